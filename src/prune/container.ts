/**
 * Repeated pruning (torch's PruningContainer.compute_mask): a new method is applied on top of the
 * existing mask. By the method's kind the container picks the slice the method may act on, asks
 * the method for a mask over that slice only, and writes it back; the rest keeps its old mask.
 *
 *   unstructured → the still-unpruned entries, as one flat vector (so amounts count over them:
 *                  30% then 50% prunes 0.3 + 0.5·0.7 = 65%);
 *   structured   → the channels along the method's axis that are not yet entirely pruned;
 *   global       → the whole tensor.
 *
 * A new kind plugs in by adding one entry to SLICERS.
 */
import { PruneError } from '../errors.js';
import { aliveChannels, channelLayout, gatherChannels, scatterChannels } from './channels.js';
import { checkSameLength } from './checks.js';
import { countCandidates } from './magnitudeSelect.js';
import { isStructured, type MethodKind, type PruningMethod } from './method.js';

type Slicer = (
  method: PruningMethod,
  importance: Float32Array,
  mask: Uint8Array,
  shape: readonly number[],
  paramName: string,
) => Uint8Array;

function checkPartial(partial: Uint8Array, expected: number, method: PruningMethod, paramName: string): void {
  if (partial.length !== expected) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${paramName}': ${method.name} returned a mask of ${String(partial.length)} entries for a slice of ${String(expected)}`,
    );
  }
}

const unstructuredSlice: Slicer = (method, importance, mask, shape, paramName) => {
  const n = mask.length;
  const alive = countCandidates([{ scores: importance, mask }]);
  // A method that selects among the unpruned entries where they are needs no copy.
  if (method.inPlace !== undefined) {
    const k = method.inPlace.count(alive, paramName);
    const out = Uint8Array.from(mask);
    method.inPlace.prune([{ scores: importance, mask: out }], alive, k);
    return out;
  }
  // Nothing pruned yet: the slice is the whole tensor, so skip the copies (first pruning of a
  // parameter, the common case).
  if (alive === n) return method.computeMask(importance, mask, shape, paramName);
  const sub = new Float32Array(alive);
  for (let i = 0, j = 0; i < n; i++) if (mask[i]! !== 0) sub[j++] = importance[i]!;
  const partial = method.computeMask(sub, new Uint8Array(alive).fill(1), [alive], paramName);
  checkPartial(partial, alive, method, paramName);
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++) if (mask[i]! !== 0) out[i] = partial[j++]!;
  return out;
};

const structuredSlice: Slicer = (method, importance, mask, shape, paramName) => {
  if (!isStructured(method)) {
    throw new PruneError('PRUNE_METHOD_KIND', `'${paramName}': structured method ${method.name} has no axis`);
  }
  const layout = channelLayout(shape, method.axis, paramName);
  const alive = aliveChannels(mask, layout);
  let aliveCount = 0;
  for (const a of alive) aliveCount += a;
  if (aliveCount === layout.channels) return method.computeMask(importance, mask, shape, paramName);
  const subShape = shape.map((d, i) => (i === layout.axis ? aliveCount : d));
  const subImportance = gatherChannels(importance, layout, alive, (n) => new Float32Array(n));
  const subMask = gatherChannels(mask, layout, alive, (n) => new Uint8Array(n));
  const partial = method.computeMask(subImportance, subMask, subShape, paramName);
  checkPartial(partial, subMask.length, method, paramName);
  const out = Uint8Array.from(mask); // dead channels stay all zero
  scatterChannels(partial, layout, alive, out);
  return out;
};

const wholeTensor: Slicer = (method, importance, mask, shape, paramName) =>
  method.computeMask(importance, mask, shape, paramName);

const SLICERS: Record<MethodKind, Slicer> = {
  unstructured: unstructuredSlice,
  structured: structuredSlice,
  global: wholeTensor,
};

/**
 * The mask after applying `method` on top of `mask` (which it does not modify). The result is
 * also ANDed with the old mask, so even a faulty custom method cannot revive a pruned entry.
 */
export function composeMask(
  method: PruningMethod,
  importance: Float32Array,
  mask: Uint8Array,
  shape: readonly number[],
  paramName: string,
): Uint8Array {
  checkSameLength(importance, mask, shape, paramName);
  const slicer = SLICERS[method.kind] as Slicer | undefined;
  if (slicer === undefined) {
    throw new PruneError('PRUNE_METHOD_KIND', `'${paramName}': unknown kind '${String(method.kind)}' of method ${method.name}`);
  }
  const next = slicer(method, importance, mask, shape, paramName);
  checkPartial(next, mask.length, method, paramName);
  for (let i = 0; i < next.length; i++) next[i] = next[i]! !== 0 && mask[i]! !== 0 ? 1 : 0;
  return next;
}
