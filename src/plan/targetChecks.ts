/**
 * The checks of a local target that need the model: each method's own (its descriptor's plan:
 * an axis against the parameter's layout, a norm order against its rank, a count against its
 * size, an N:M pattern against the kernel's inputs, a plugin's kind against its axis), and the
 * importance source. Each problem is located at what the user wrote and names the parameter.
 * Pure: no TF.js.
 */
import type { RecipeProblem } from '../errors.js';
import { methodOf, type PlannedPrune } from '../methods/index.js';
import { sameShape, shapeText } from '../methods/text.js';
import type { ModelDescription, ParameterDescription } from '../models/description.js';
import { tfjsNameOf, type TorchNames } from '../models/torchNames.js';
import type { LocalTarget } from '../recipe/types.js';
import { torchRowsOf, weightLayoutOf } from './layout.js';

/** Layout, axis and the method's checks of one parameter; `composes` is the caller's. */
export function planParameter(
  model: ModelDescription,
  target: LocalTarget,
  parameter: ParameterDescription,
  composes: boolean,
  problems: RecipeProblem[],
): PlannedPrune {
  return methodOf(target.method).plan(target.method, {
    parameter,
    layout: weightLayoutOf(parameter),
    composes,
    torchRows: torchRowsOf(model, parameter),
    targetAt: target.at,
    at: (key) => target.optionsAt[key] ?? target.at,
    problems,
  });
}

/**
 * The parameter named by importance_scores, checked to exist and to have the shape of every
 * parameter the target prunes; null (with problems) otherwise.
 */
export function checkImportance(
  target: LocalTarget,
  pruned: readonly ParameterDescription[],
  all: readonly ParameterDescription[],
  source: string,
  problems: RecipeProblem[],
  torch?: TorchNames,
): string | null {
  const reference = target.importance;
  if (reference === null) return null;
  // A model imported from torch also takes the state-dict name (conv1.weight).
  const named = tfjsNameOf(torch, reference.param) ?? reference.param;
  const scores = all.find((p) => p.name === named);
  if (scores === undefined) {
    problems.push({
      at: reference.at,
      message:
        `importance_scores.param "${reference.param}" is not a parameter of ${source}; ` +
        `its parameters are: ${all.map((p) => `${p.name} ${shapeText(p.shape)}`).join(', ')}`,
    });
    return null;
  }
  let fits = true;
  for (const p of pruned) {
    if (sameShape(p.shape, scores.shape)) continue;
    fits = false;
    problems.push({
      at: reference.at,
      message:
        `importance_scores.param ${scores.name} has shape ${shapeText(scores.shape)} but ${p.name}, which this target ` +
        `prunes, has shape ${shapeText(p.shape)}; the scores must have the shape of the parameter they rank`,
    });
  }
  return fits ? scores.name : null;
}
