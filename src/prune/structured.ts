/**
 * Structured methods: whole channels along an axis are pruned (torch's LnStructured and
 * RandomStructured). The axis is in the layout of the arrays given, i.e. TF.js layout for
 * prune-run's tensors: a conv2d kernel [kh, kw, in, out] has output channels on axis 3 (torch's
 * dim 0) and input channels on axis 2 (torch's dim 1); a dense kernel [in, out] has units on
 * axis 1 (torch's dim 0) and inputs on axis 0 (torch's dim 1). layout.ts converts torch dims.
 * Negative axes count from the end. The container hands these methods only the channels that are
 * not yet entirely pruned, so a fraction counts over those.
 */
import { PruneError } from '../errors.js';
import type { SeededRandom } from '../util/random.js';
import { describeAmount, entriesToPrune, validateAmount, type Amount } from './amount.js';
import { channelLayout, forEachEntry, type ChannelLayout } from './channels.js';
import { checkSameLength } from './checks.js';
import type { StructuredPruningMethod } from './method.js';
import { magnitude, sampleIndices, smallestCut } from './select.js';

/** torch.norm orders supported: any p >= 0 (0 counts nonzeros) and ±Infinity. */
export type NormOrder = number;

function validateNorm(n: NormOrder): void {
  if (!(n >= 0 || n === -Infinity)) {
    throw new PruneError('PRUNE_NORM_INVALID', `ln_structured: norm order n=${String(n)} must be >= 0, Infinity or -Infinity`);
  }
}

function validateAxis(axis: number, method: string): void {
  if (!Number.isInteger(axis)) {
    throw new PruneError('PRUNE_AXIS_INVALID', `${method}: axis=${String(axis)} must be an integer`);
  }
}

/**
 * A ranking key per channel that orders channels as the Ln norm does. For finite p > 0 it is
 * Σ|x|^p without the final root (monotone, and one rounding fewer). Computed in float64, whereas
 * torch reduces in float32: channels whose norms differ by less than float32 rounding may rank
 * differently from torch.
 */
function channelKeys(t: Float32Array, layout: ChannelLayout, n: NormOrder): Float64Array {
  const keys = new Float64Array(layout.channels);
  if (n === -Infinity) keys.fill(Infinity);
  forEachEntry(layout, (flat, c) => {
    const m = magnitude(t[flat]!);
    if (n === Infinity) keys[c] = Math.max(keys[c]!, m);
    else if (n === -Infinity) keys[c] = Math.min(keys[c]!, m);
    else if (n === 0) keys[c] = keys[c]! + (m !== 0 ? 1 : 0);
    else keys[c] = keys[c]! + (n === 1 ? m : n === 2 ? m * m : Math.pow(m, n));
  });
  return keys;
}

/** Zeroes every entry of the channels flagged in `pruned`, on a copy of `defaultMask`. */
function maskWithout(defaultMask: Uint8Array, layout: ChannelLayout, pruned: Uint8Array): Uint8Array {
  const mask = Uint8Array.from(defaultMask);
  forEachEntry(layout, (flat, c) => {
    if (pruned[c]! !== 0) mask[flat] = 0;
  });
  return mask;
}

/**
 * Prunes the k channels with the smallest Ln norm. Tie rule as for l1_unstructured: among
 * channels whose key equals the cut, the lower channel index is pruned first.
 */
export function lnStructured(amount: Amount, n: NormOrder, axis: number): StructuredPruningMethod {
  validateAmount(amount, 'ln_structured');
  validateNorm(n);
  validateAxis(axis, 'ln_structured');
  return {
    name: 'ln_structured',
    kind: 'structured',
    axis,
    computeMask(importance, defaultMask, shape, paramName = 'tensor') {
      checkSameLength(importance, defaultMask, shape, paramName);
      const layout = channelLayout(shape, axis, paramName);
      const k = entriesToPrune(amount, layout.channels, paramName, `channels on axis ${String(layout.axis)}`);
      if (k === 0) return Uint8Array.from(defaultMask);
      const keys = channelKeys(importance, layout, n);
      const { threshold, takeAtThreshold } = smallestCut(Float64Array.from(keys), k);
      const pruned = new Uint8Array(layout.channels);
      let ties = takeAtThreshold;
      for (let c = 0; c < layout.channels; c++) {
        const key = keys[c]!;
        if (key < threshold || (key === threshold && ties-- > 0)) pruned[c] = 1;
      }
      return maskWithout(defaultMask, layout, pruned);
    },
    // JSON has no Infinity: write the norm order as a string then ('inf' / '-inf', torch's spelling).
    describe: () => ({ method: 'ln_structured', ...describeAmount(amount), n: Number.isFinite(n) ? n : n > 0 ? 'inf' : '-inf', axis }),
  };
}

/** Prunes k channels chosen by the seeded generator (only the count matches torch, not the choice). */
export function randomStructured(amount: Amount, axis: number, random: SeededRandom): StructuredPruningMethod {
  validateAmount(amount, 'random_structured');
  validateAxis(axis, 'random_structured');
  return {
    name: 'random_structured',
    kind: 'structured',
    axis,
    computeMask(importance, defaultMask, shape, paramName = 'tensor') {
      checkSameLength(importance, defaultMask, shape, paramName);
      const layout = channelLayout(shape, axis, paramName);
      const k = entriesToPrune(amount, layout.channels, paramName, `channels on axis ${String(layout.axis)}`);
      const pruned = new Uint8Array(layout.channels);
      sampleIndices(layout.channels, k, random, (c) => {
        pruned[c] = 1;
      });
      return maskWithout(defaultMask, layout, pruned);
    },
    describe: () => ({ method: 'random_structured', ...describeAmount(amount), axis }),
  };
}
