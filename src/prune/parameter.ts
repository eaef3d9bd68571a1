/**
 * A parameter under pruning: its mask (torch's weight_mask) beside the parameter's own values, and
 * local pruning of one parameter through the container.
 *
 * Unlike torch, no copy of the weights (weight_orig) is kept. Nothing computes from the values a
 * pruned entry had before it was pruned: the container hands unstructured methods the unpruned
 * entries only, and every other method scores the effective weights (values × mask, zero where
 * pruned), as torch's module.weight is. So the state borrows the caller's array (the model's
 * weights) instead of owning a copy: a pruned 25M-parameter model costs its masks (1 byte an
 * entry), not another 96 MB of weights (TF-MOT and Distiller keep only masks too).
 */
import { PruneError } from '../errors.js';
import { composeMask } from './container.js';
import type { PruningMethod } from './method.js';

export interface ParameterState {
  /** e.g. 'conv1/kernel' */
  readonly name: string;
  /** TF.js layout. */
  readonly shape: readonly number[];
  /**
   * The parameter's current values, borrowed (not copied) from whoever tracked it last: the model's
   * weights. What pruned entries hold does not matter (see the header); once the effective weights
   * are written back they hold zero. Empty after MaskSet.release, until tracked again.
   */
  values: Float32Array;
  /** torch's weight_mask: 1 = kept, 0 = pruned. */
  mask: Uint8Array;
  /** describe() of each method applied, in order. */
  readonly history: Record<string, unknown>[];
}

/**
 * values × mask (torch's module.weight after the forward pre-hook): into `out` when given (e.g.
 * the model's own array, `values` itself included), else as a new array.
 */
export function effectiveWeights(state: ParameterState, out?: Float32Array): Float32Array {
  const { mask } = state;
  const values = valuesOf(state);
  if (out === undefined) out = new Float32Array(values.length);
  else if (out.length !== values.length) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${state.name}': effective weights need ${String(values.length)} entries, the output has ${String(out.length)}`,
    );
  }
  // On the bits, without a branch (a random mask would mispredict one): kept → the value's
  // bits, pruned → +0.
  const from = new Int32Array(values.buffer, values.byteOffset, values.length);
  const to = new Int32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < to.length; i++) to[i] = from[i]! & -(-mask[i]! >>> 31);
  return out;
}

/** The state's values, or PRUNE_VALUES_RELEASED if MaskSet.release dropped them. */
export function valuesOf(state: ParameterState): Float32Array {
  if (state.values.length !== state.mask.length) {
    throw new PruneError(
      'PRUNE_VALUES_RELEASED',
      `'${state.name}' holds no values (they were released): track it with the parameter's current values first`,
    );
  }
  return state.values;
}

export function checkImportance(state: ParameterState, importance: Float32Array): void {
  if (importance.length !== state.mask.length) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${state.name}': importance has ${String(importance.length)} entries, the parameter ${String(state.mask.length)}`,
    );
  }
}

/**
 * Local pruning with torch's container semantics: composes with the existing mask.
 *
 * Default importance: torch scores with module.weight, i.e. the effective weights. For
 * unstructured methods the container only looks at unpruned entries, where effective weights and
 * values agree, so `state.values` is used as is (no copy of a large tensor). Every other kind sees
 * pruned entries too (structured norms over whole channels, a global-kind method the whole
 * tensor), where they must count as zero, so it gets the effective weights.
 *
 * The state is changed only if the method succeeds.
 */
export function pruneParameter(state: ParameterState, method: PruningMethod, importance?: Float32Array): void {
  let scores = importance;
  if (scores === undefined) scores = method.kind === 'unstructured' ? valuesOf(state) : effectiveWeights(state);
  checkImportance(state, scores);
  state.mask = composeMask(method, scores, state.mask, state.shape, state.name);
  state.history.push(method.describe());
}
