/**
 * Executes a plan's prune task on a TF.js model through the pruning core: reads the selected
 * weights, computes masks with torch's semantics (composing with earlier masks), and writes
 * original × mask back into the model's variables.
 */
import type * as tf from '@tensorflow/tfjs';
import type { PruneGroup, PruneTask } from '../plan/types.js';
import {
  l1Unstructured,
  pruneGlobal,
  pruneParameter,
  randomUnstructured,
  type MaskSet,
  type ParameterState,
  type PruningMethod,
} from '../prune/index.js';
import { SeededRandom } from '../util/random.js';
import { readWeight, weightNamed, writeWeight } from './weights.js';

function methodFor(group: PruneGroup): PruningMethod {
  switch (group.method) {
    case 'l1_unstructured':
      return l1Unstructured(group.amount);
    case 'random_unstructured':
      return randomUnstructured(group.amount, new SeededRandom(group.seed));
  }
}

/** Starts or refreshes tracking from the model's current values (training moved the kept ones). */
function track(model: tf.LayersModel, masks: MaskSet, name: string): ParameterState {
  const variable = weightNamed(model, name);
  return masks.track(name, variable.shape as number[], readWeight(variable));
}

export function applyPruneTask(model: tf.LayersModel, masks: MaskSet, task: PruneTask): void {
  const touched = new Set<string>();
  for (const group of task.groups) {
    const states = group.parameters.map((name) => track(model, masks, name));
    const method = methodFor(group);
    if (task.scope === 'global') {
      pruneGlobal(states, method);
    } else {
      for (const state of states) pruneParameter(state, method);
    }
    for (const name of group.parameters) touched.add(name);
  }
  for (const name of touched) writeWeight(weightNamed(model, name), masks.effective(name));
}
