/**
 * Executes a plan's prune task on a TF.js model through the library API (src/api) — the same
 * calls a TypeScript user makes, so recipes and the API have one implementation. Each group's
 * method is built from its plain-data spec through the registry; pruning composes with earlier
 * masks (torch's container semantics); `remove` then makes pruning permanent.
 */
import type * as tf from '@tensorflow/tfjs';
import { pruneByName, removeByName } from '../api/index.js';
import { EngineError } from '../errors.js';
import type { ImportanceSource, PruneGroup, PruneTask } from '../plan/types.js';
import { createMethod } from '../prune/registry.js';
import { SeededRandom } from '../util/random.js';
import { readWeight, weightNamed } from './weights.js';

/** The scores that rank a group's entries; undefined: the weights themselves (the core's default). */
function importanceOf(model: tf.LayersModel, source: ImportanceSource): Float32Array | undefined {
  // The variable holds the effective weights (original × mask), what torch's module.weight gives.
  return source.kind === 'weights' ? undefined : readWeight(weightNamed(model, source.name));
}

function applyGroup(model: tf.LayersModel, group: PruneGroup, scope: PruneTask['scope']): void {
  const importance = importanceOf(model, group.importance);
  if (scope === 'global' && importance !== undefined) {
    throw new EngineError('PRUNE_IMPORTANCE', 'a global step takes no importance source');
  }
  pruneByName(
    model,
    group.parameters,
    (target) =>
      scope === 'global'
        ? createMethod(group.method, { seed: group.seed, layout: null, shape: target.shape })
        : createMethod(group.method, {
            // One stream per parameter: its mask does not depend on the other parameters selected.
            seed: SeededRandom.derive(group.seed, target.name).nextSeed(),
            layout: group.planned[target.name]?.layout ?? target.layout,
            shape: target.shape,
            paramName: target.name,
          }),
    { scope, importance: importance && new Map(group.parameters.map((name) => [name, importance])) },
  );
}

export function applyPruneTask(model: tf.LayersModel, task: PruneTask): void {
  for (const group of task.groups) applyGroup(model, group, task.scope);
  for (const name of task.remove) removeByName(model, name);
}
