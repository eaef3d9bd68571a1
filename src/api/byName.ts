/**
 * The entry points for the recipe runner: the same implementation as prune.*, addressed the way a
 * plan addresses parameters (TF.js weight names such as 'conv1/kernel'). masksOf (inspect.ts)
 * gives back the masks to export and to enforce while training.
 */
import type * as tf from '@tensorflow/tfjs';
import type { GlobalPruneOptions, PruningMethod, WeightLayout } from '../prune/index.js';
import { layoutOf } from './axis.js';
import { pruneError } from './codes.js';
import { applyMethod, maskStates, PRUNE_SCOPES, removePruning, replacePruningStates, rewindWeights, type PruneScope } from './store.js';
import { readValues } from './variables.js';
import { layersOf, targetsByName, type Target } from './target.js';

/** What a method factory is told about the tensor its method will prune. */
export interface MethodTarget {
  /** 'conv1/kernel'; for a global step, the names joined by ', '. */
  readonly name: string;
  /** TF.js shape; for a global step, [total entries of the pool]. */
  readonly shape: readonly number[];
  /** conv2d / dense kernel (from the layer's class), else null; null for a global pool. */
  readonly layout: WeightLayout | null;
}

/**
 * One method for every parameter, or a factory called once per parameter (local) or once for the
 * pool (global): a structured method needs each parameter's layout and shape, and the runner
 * derives a random stream per parameter.
 */
export type MethodSource = PruningMethod | ((target: MethodTarget) => PruningMethod);

/** Global steps take the core's options (maxSparsityPerLayer, the recipe's max_sparsity_per_layer). */
export interface PruneByNameOptions extends GlobalPruneOptions {
  /** 'local': each parameter on its own (pruneParameter); 'global': one selection over all of them. */
  readonly scope: PruneScope;
  /** Scores by weight name, TF.js layout, in place of the weights (torch's importance_scores). */
  readonly importance?: ReadonlyMap<string, Float32Array> | undefined;
}

function targetsOf(model: tf.LayersModel, names: readonly string[]): Target[] {
  const index = targetsByName(model);
  return names.map((name) => {
    const target = index.get(name);
    if (target === undefined) {
      throw pruneError(
        'PRUNE_UNKNOWN_PARAMETER',
        `model '${model.name}' has no weight '${name}'; its weights: ${[...index.keys()].join(', ')}`,
      );
    }
    return target;
  });
}

/**
 * Prunes the model's weights `names`, composing with their earlier masks, and writes
 * values × mask into the variables: local, each parameter in order with its own method; global,
 * one pooled selection. All or nothing: on an error no state or variable changes.
 */
export function pruneByName(
  model: tf.LayersModel,
  names: readonly string[],
  method: MethodSource,
  options: PruneByNameOptions,
): void {
  const { scope, importance } = options;
  if (!PRUNE_SCOPES.includes(scope)) {
    throw pruneError('PRUNE_OPTIONS_INVALID', `scope '${String(scope)}' is not one of ${PRUNE_SCOPES.join(', ')}`);
  }
  const targets = targetsOf(model, names);
  for (const name of importance?.keys() ?? []) {
    if (!names.includes(name)) {
      throw pruneError('PRUNE_UNKNOWN_PARAMETER', `importance is given for '${name}', which is not among [${names.join(', ')}]`);
    }
  }
  const build = typeof method === 'function' ? method : () => method;
  if (scope === 'global') {
    const total = targets.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    const method = build({ name: names.join(', '), shape: [total], layout: null });
    applyMethod(targets, { scope, method, options }, importance);
  } else {
    applyMethod(targets, { scope, methodFor: (t) => build({ name: t.name, shape: t.shape, layout: layoutOf(t) }) }, importance);
  }
}

/** torch's prune.remove on the model's weight `name` (see prune.remove). */
export function removeByName(model: tf.LayersModel, name: string): void {
  const [target] = targetsOf(model, [name]);
  removePruning(target!);
}

/** Every weight of the model, copied, by name: the snapshot a later rewindByName resets to. */
export function snapshotWeights(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map([...targetsByName(model)].map(([name, target]) => [name, readValues(target).slice()]));
}

/**
 * Lottery-ticket rewinding (Frankle & Carbin): every weight of the model back to its snapshot
 * value, masks kept, so pruned entries stay zero and the survivors restart from the snapshot.
 */
export function rewindByName(model: tf.LayersModel, snapshot: ReadonlyMap<string, Float32Array>): void {
  rewindWeights([...targetsByName(model).values()], snapshot);
}

/** The model's masks and histories (copies), layer by layer, without reading its weights: for checkpoints. */
export function pruningStatesByName(model: tf.LayersModel): ReturnType<typeof maskStates> {
  return layersOf(model).flatMap(maskStates);
}

/** The pruning states to restore (a checkpoint's), replacing the model's own; weights are not written. */
export function restorePruningByName(
  model: tf.LayersModel,
  states: Parameters<typeof replacePruningStates>[1],
): void {
  replacePruningStates(targetsByName(model), states);
}
