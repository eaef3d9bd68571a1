/**
 * Unstructured methods: each entry is pruned on its own (torch's L1Unstructured and
 * RandomUnstructured). Both count and choose over every entry they are given; the container hands
 * them only the still-unpruned entries, which is what makes 30% then 50% come to 65%.
 */
import type { SeededRandom } from '../util/random.js';
import { describeAmount, entriesToPrune, validateAmount, type Amount } from './amount.js';
import { checkSameLength } from './checks.js';
import type { PruningMethod } from './method.js';
import { pruneSmallestInPlace, type Segment } from './magnitudeSelect.js';
import { sampleIndices } from './select.js';

/**
 * Prunes the k entries of smallest |importance| (torch.topk(largest=False) on the magnitudes).
 *
 * Tie rule: torch leaves the order of equal magnitudes to its sort kernel. Here, when several
 * entries share the magnitude at the cut, the ones with the LOWER flat index (in the array given,
 * i.e. TF.js layout) are pruned first. Tie-free weights therefore give torch's mask exactly.
 * NaN ranks above +Infinity (pruned last), as in torch.
 */
export function l1Unstructured(amount: Amount): PruningMethod {
  validateAmount(amount, 'l1_unstructured');
  return {
    name: 'l1_unstructured',
    kind: 'unstructured',
    computeMask(importance, defaultMask, shape, paramName = 'tensor') {
      checkSameLength(importance, defaultMask, shape, paramName);
      const n = importance.length;
      const k = entriesToPrune(amount, n, paramName);
      // torch selects over every entry given (not only where defaultMask is 1), then ANDs.
      const mask = new Uint8Array(n).fill(1);
      pruneSmallestInPlace([{ scores: importance, mask }], k);
      for (let i = 0; i < n; i++) if (defaultMask[i]! === 0) mask[i] = 0;
      return mask;
    },
    describe: () => ({ method: 'l1_unstructured', ...describeAmount(amount) }),
    inPlace: {
      byMagnitude: true,
      count: (candidates, paramName) => entriesToPrune(amount, candidates, paramName),
      prune: (segments, candidates, k) => pruneSmallestInPlace(segments, k, { candidates }),
    },
  };
}

/**
 * Prunes exactly k entries chosen by the seeded generator. torch draws torch.rand_like and prunes
 * the top k; its generator cannot be reproduced here, so only the count (not the choice) matches
 * torch. The same generator state gives the same mask.
 */
export function randomUnstructured(amount: Amount, random: SeededRandom): PruningMethod {
  validateAmount(amount, 'random_unstructured');
  return {
    name: 'random_unstructured',
    kind: 'unstructured',
    computeMask(importance, defaultMask, shape, paramName = 'tensor') {
      checkSameLength(importance, defaultMask, shape, paramName);
      const n = importance.length;
      const k = entriesToPrune(amount, n, paramName);
      const mask = Uint8Array.from(defaultMask);
      sampleIndices(n, k, random, (i) => {
        mask[i] = 0;
      });
      return mask;
    },
    describe: () => ({ method: 'random_unstructured', ...describeAmount(amount) }),
    inPlace: {
      byMagnitude: false,
      count: (candidates, paramName) => entriesToPrune(amount, candidates, paramName),
      prune: (segments, candidates, k) => pruneSampledInPlace(segments, candidates, k, random),
    },
  };
}

/** Prunes the sampled candidates: the j-th candidate (j increasing) found by a cursor that only moves forward. */
function pruneSampledInPlace(segments: readonly Segment[], candidates: number, k: number, random: SeededRandom): void {
  let s = 0;
  let i = -1;
  let j = -1;
  sampleIndices(candidates, k, random, (target) => {
    while (j < target) {
      i++;
      while (i >= segments[s]!.mask.length) {
        s++;
        i = 0;
      }
      if (segments[s]!.mask[i]! !== 0) j++;
    }
    segments[s]!.mask[i] = 0;
  });
}
