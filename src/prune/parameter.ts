/**
 * A parameter under pruning, stored as torch stores it (weight_orig + weight_mask, no hooks), and
 * local pruning of one parameter through the container.
 */
import { PruneError } from '../errors.js';
import { composeMask } from './container.js';
import type { PruningMethod } from './method.js';

export interface ParameterState {
  /** e.g. 'conv1/kernel' */
  readonly name: string;
  /** TF.js layout. */
  readonly shape: readonly number[];
  /** torch's weight_orig: the weights as last seen, pruned entries included. */
  original: Float32Array;
  /** torch's weight_mask: 1 = kept, 0 = pruned. */
  mask: Uint8Array;
  /** describe() of each method applied, in order. */
  readonly history: Record<string, unknown>[];
}

/**
 * original × mask (torch's module.weight after the forward pre-hook): into `out` when given (e.g.
 * the model's own array, which saves a whole copy of the weights), else as a new array.
 */
export function effectiveWeights(state: ParameterState, out?: Float32Array): Float32Array {
  const { original, mask } = state;
  if (out === undefined) out = new Float32Array(original.length);
  else if (out.length !== original.length) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${state.name}': effective weights need ${String(original.length)} entries, the output has ${String(out.length)}`,
    );
  }
  // On the bits, without a branch (a random mask would mispredict one): kept → the value's
  // bits, pruned → +0.
  const from = new Int32Array(original.buffer, original.byteOffset, original.length);
  const to = new Int32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < to.length; i++) to[i] = from[i]! & -(-mask[i]! >>> 31);
  return out;
}

export function checkImportance(state: ParameterState, importance: Float32Array): void {
  if (importance.length !== state.original.length) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${state.name}': importance has ${String(importance.length)} entries, the parameter ${String(state.original.length)}`,
    );
  }
}

/**
 * Local pruning with torch's container semantics: composes with the existing mask.
 *
 * Default importance: torch scores with module.weight, i.e. the effective weights. For
 * unstructured and global methods the container only looks at unpruned entries, where effective
 * and original agree, so `state.original` is used as is (no copy of a large tensor). Structured
 * methods take norms over whole channels, where pruned entries must count as zero, so they get
 * the effective weights.
 *
 * The state is changed only if the method succeeds.
 */
export function pruneParameter(state: ParameterState, method: PruningMethod, importance?: Float32Array): void {
  let scores = importance;
  if (scores === undefined) scores = method.kind === 'structured' ? effectiveWeights(state) : state.original;
  checkImportance(state, scores);
  state.mask = composeMask(method, scores, state.mask, state.shape, state.name);
  state.history.push(method.describe());
}
