/**
 * Unstructured methods: each entry is pruned on its own (torch's L1Unstructured and
 * RandomUnstructured). Both count and choose over every entry they are given; the container hands
 * them only the still-unpruned entries, which is what makes 30% then 50% come to 65%.
 */
import type { SeededRandom } from '../util/random.js';
import { describeAmount, entriesToPrune, validateAmount, type Amount } from './amount.js';
import { checkSameLength } from './checks.js';
import type { PruningMethod } from './method.js';
import { magnitude, sampleIndices, smallestCut } from './select.js';

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
      const mask = Uint8Array.from(defaultMask);
      if (k === 0) return mask; // torch skips too: topk(k=0) is not supported there
      if (k === n) return mask.fill(0);
      // One Float32Array copy of the magnitudes, reordered by selection; importance stays intact.
      const scratch = new Float32Array(n);
      for (let i = 0; i < n; i++) scratch[i] = magnitude(importance[i]!);
      const { threshold, takeAtThreshold } = smallestCut(scratch, k);
      let ties = takeAtThreshold;
      for (let i = 0; i < n; i++) {
        const m = Math.abs(importance[i]!); // NaN fails both tests: handled below
        if (m < threshold) mask[i] = 0;
        else if (m === threshold && ties > 0) {
          mask[i] = 0;
          ties--;
        }
      }
      // Selection counted NaN as +Infinity; torch ranks NaN above +Infinity, so ties still left
      // at an infinite cut go to the NaNs, after every real infinity, again by index.
      for (let i = 0; ties > 0 && i < n; i++) {
        if (Number.isNaN(importance[i]!)) {
          mask[i] = 0;
          ties--;
        }
      }
      return mask;
    },
    describe: () => ({ method: 'l1_unstructured', ...describeAmount(amount) }),
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
  };
}
