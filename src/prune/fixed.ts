/**
 * Methods that choose nothing themselves: identity (reparametrise with a mask of ones) and
 * custom_from_mask (apply a precomputed mask, e.g. one loaded from a run folder).
 */
import { PruneError } from '../errors.js';
import { checkSameLength } from './checks.js';
import type { PruningMethod } from './method.js';

/** Keeps the mask as it is; torch uses it to start tracking a parameter without pruning. */
export function identity(): PruningMethod {
  return {
    name: 'identity',
    kind: 'unstructured',
    computeMask(importance, defaultMask, shape, paramName = 'tensor') {
      checkSameLength(importance, defaultMask, shape, paramName);
      return Uint8Array.from(defaultMask);
    },
    describe: () => ({ method: 'identity' }),
  };
}

/**
 * Multiplies a given mask (nonzero = kept) into the current one. Kind 'global' as in torch: the
 * container hands it the whole tensor, since the given mask is laid out over the whole tensor.
 */
export function customFromMask(mask: Uint8Array): PruningMethod {
  const given = Uint8Array.from(mask); // a later change to the caller's array must not alter history
  return {
    name: 'custom_from_mask',
    kind: 'global',
    computeMask(importance, defaultMask, shape, paramName = 'tensor') {
      checkSameLength(importance, defaultMask, shape, paramName);
      if (given.length !== defaultMask.length) {
        throw new PruneError(
          'PRUNE_SHAPE_MISMATCH',
          `'${paramName}': custom mask has ${String(given.length)} entries, the parameter ${String(defaultMask.length)}`,
        );
      }
      const out = new Uint8Array(defaultMask.length);
      for (let i = 0; i < out.length; i++) out[i] = defaultMask[i]! !== 0 && given[i]! !== 0 ? 1 : 0;
      return out;
    },
    describe: () => {
      let pruned = 0;
      for (const v of given) if (v === 0) pruned++;
      // The mask itself goes to masks.safetensors, not into JSON history; record its effect.
      return { method: 'custom_from_mask', size: given.length, pruned };
    },
  };
}
