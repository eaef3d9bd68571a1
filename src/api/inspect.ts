/**
 * Looking at the pruning state: torch's prune.is_pruned, and what torch shows through
 * named_buffers() (weight_mask), module.weight and the forward pre-hooks (history). There is no
 * weight_orig: prune-run keeps no copy of the weights (prune/parameter.ts). Everything returned is
 * a copy: changing it does not change the pruning.
 */
import type * as tf from '@tensorflow/tfjs';
import { MaskSet, type ParameterState } from '../prune/index.js';
import { pruneError } from './codes.js';
import { prunedNames, refreshedStates } from './store.js';
import { layersOf, paramNameOf, targetsByName } from './target.js';

export interface PrunedParameter {
  /** TF.js weight name: 'conv1/kernel' (torch: conv1.weight). */
  readonly name: string;
  /** 'conv1' */
  readonly layer: string;
  /** 'kernel' */
  readonly param: string;
  /** TF.js layout. */
  readonly shape: readonly number[];
  /** The variable's current values: torch's module.weight (zero at pruned entries). */
  readonly values: Float32Array;
  /** torch's weight_mask: 1 = kept, 0 = pruned. */
  readonly mask: Uint8Array;
  /** Each method applied, in order: { method: 'l1_unstructured', amount: 0.3 }, ... */
  readonly history: readonly Readonly<Record<string, unknown>>[];
}

/** Whether any parameter of the layer, or of any layer of the model, is pruned (identity included). */
export function isPruned(modelOrLayer: tf.layers.Layer): boolean {
  return layersOf(modelOrLayer).some((layer) => prunedNames(layer).length > 0);
}

/** The live states (values read from the variables), layer by layer, in model order. */
function liveStates(modelOrLayer: tf.layers.Layer): { layer: tf.layers.Layer; state: ParameterState }[] {
  return layersOf(modelOrLayer).flatMap((layer) =>
    refreshedStates(layer, targetsByName(layer)).map((state) => ({ layer, state })),
  );
}

/** Every pruned parameter, in layer order then in the order each was first pruned. */
export function parameters(modelOrLayer: tf.layers.Layer): PrunedParameter[] {
  return liveStates(modelOrLayer).map(({ layer, state }) => ({
    name: state.name,
    layer: layer.name,
    param: paramNameOf(layer, state.name),
    shape: [...state.shape],
    values: Float32Array.from(state.values),
    mask: Uint8Array.from(state.mask),
    history: structuredClone(state.history),
  }));
}

/**
 * The masks of the model keyed by weight name ('conv1/kernel'): what a run writes to
 * masks.safetensors and what training enforces (MaskBinding.fromMaskSet). A snapshot, not a live
 * view: prune again, then ask again.
 */
export function masksOf(modelOrLayer: tf.layers.Layer): MaskSet {
  const set = new MaskSet();
  for (const { state } of liveStates(modelOrLayer)) {
    if (set.has(state.name)) {
      throw pruneError('PRUNE_TARGETS_INVALID', `two pruned weights of the model are named '${state.name}'; masks are keyed by name`);
    }
    // The snapshot borrows the values read for it; the live state is handed new ones next time.
    const copy = set.track(state.name, state.shape, state.values);
    copy.mask = Uint8Array.from(state.mask);
    copy.history.push(...structuredClone(state.history));
  }
  return set;
}
