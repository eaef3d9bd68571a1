/**
 * The checks of a local target that need the model: each method's own (its descriptor's plan:
 * an axis against the parameter's layout, a norm order against its rank, a count against its
 * size, an N:M pattern against the kernel's inputs, a plugin's kind against its axis), and the
 * importance source. Each problem is located at what the user wrote and names the parameter.
 * Pure: no TF.js.
 */
import type { RecipeProblem, SourceLocation } from '../errors.js';
import { methodOf, type ImportanceSource, type PlannedPrune } from '../methods/index.js';
import { checkTensorShape, flattenOf } from '../methods/tensorShape.js';
import { sameShape, shapeText } from '../methods/text.js';
import { allParameters, type ModelDescription, type ParameterDescription } from '../models/description.js';
import { tfjsNameOf } from '../models/torchNames.js';
import type { MaskReference } from '../prune/spec.js';
import type { ImportanceReference, LocalTarget } from '../recipe/types.js';
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
 * An importance_scores source checked against every parameter it ranks (`what`: "this target
 * prunes" or "it ranks"): another parameter must exist and have their shape; a file's tensor must
 * have it, in TF.js or torch layout (methods/tensorShape.ts, as custom_from_mask's masks). The
 * source as the engine takes it, or null (with problems).
 */
export function checkImportance(
  reference: ImportanceReference,
  ranked: readonly ParameterDescription[],
  model: ModelDescription,
  what: string,
  problems: RecipeProblem[],
): ImportanceSource | null {
  if ('tensor' in reference) return checkScoresTensor(reference.tensor, reference.at, ranked, model, problems);
  const all = allParameters(model);
  // A model imported from torch also takes the state-dict name (conv1.weight).
  const named = tfjsNameOf(model.torch, reference.param) ?? reference.param;
  const scores = all.find((p) => p.name === named);
  if (scores === undefined) {
    problems.push({
      at: reference.at,
      message:
        `importance_scores.param "${reference.param}" is not a parameter of ${model.source}; ` +
        `its parameters are: ${all.map((p) => `${p.name} ${shapeText(p.shape)}`).join(', ')}`,
    });
    return null;
  }
  let fits = true;
  for (const p of ranked) {
    if (sameShape(p.shape, scores.shape)) continue;
    fits = false;
    problems.push({
      at: reference.at,
      message:
        `importance_scores.param ${scores.name} has shape ${shapeText(scores.shape)} but ${p.name}, which ${what}, ` +
        `has shape ${shapeText(p.shape)}; the scores must have the shape of the parameter they rank`,
    });
  }
  return fits ? { kind: 'parameter', name: scores.name } : null;
}

/**
 * A file's tensor as scores: the shape of each ranked parameter. One tensor ranks them all, so
 * in torch layout they must also map the same way (a dense kernel after a flatten reorders rows).
 */
function checkScoresTensor(
  tensor: MaskReference,
  at: SourceLocation,
  ranked: readonly ParameterDescription[],
  model: ModelDescription,
  problems: RecipeProblem[],
): ImportanceSource | null {
  const before = problems.length;
  const mapped = ranked.map((parameter) => {
    const layout = weightLayoutOf(parameter);
    const torchRows = torchRowsOf(model, parameter);
    checkTensorShape(tensor, 'importance_scores', { parameter, layout, torchRows, at, problems });
    return { layout, ...flattenOf(tensor, torchRows) };
  });
  if (problems.length > before || mapped.length === 0) return null;
  const first = mapped[0]!;
  if (mapped.some((m) => String(m.flattenedFrom) !== String(first.flattenedFrom))) {
    problems.push({
      at,
      message:
        `importance_scores tensor "${tensor.tensor}" (layout: torch) ranks ${ranked.map((p) => p.name).join(', ')}, ` +
        `whose rows map to torch's differently (some read a flatten); give each its own target`,
    });
    return null;
  }
  return { kind: 'tensor', tensor, layout: tensor.layout === 'torch' ? first.layout : null, ...(first.flattenedFrom === undefined ? {} : { flattenedFrom: first.flattenedFrom }) };
}
