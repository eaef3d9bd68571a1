/**
 * The checks of a local target that need the model: a structured method's axis against the
 * parameter's layout, ln_structured's norm order against its rank, a count against its size, and
 * the importance source. Each problem is located at what the user wrote (the axis, n or
 * importance_scores value, else the target) and names the parameter. Pure: no TF.js.
 */
import { PruneError, type RecipeProblem, type SourceLocation } from '../errors.js';
import type { ParameterDescription } from '../models/description.js';
import { resolveAxis } from '../prune/axis.js';
import { normOrderFor } from '../prune/norm.js';
import { amountOfSpec, formatAxisSpec, isStructuredSpec } from '../prune/spec.js';
import type { LocalTarget } from '../recipe/types.js';
import { weightLayoutOf } from './layout.js';
import type { PlannedPrune } from './types.js';

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function describeParameter(p: ParameterDescription): string {
  return `${p.name} (${p.layerType} ${p.param}, shape ${shapeText(p.shape)})`;
}

/** Runs a core check, turning its PruneError into a located problem. */
function attempt<T>(at: SourceLocation, problems: RecipeProblem[], check: () => T): T | null {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof PruneError)) throw error;
    problems.push({ at, message: error.message });
    return null;
  }
}

/** Layout, axis and the structured checks of one parameter; `composes` is the caller's. */
export function planParameter(
  target: LocalTarget,
  parameter: ParameterDescription,
  composes: boolean,
  problems: RecipeProblem[],
): PlannedPrune {
  const layout = weightLayoutOf(parameter);
  const spec = target.method;
  let axis: number | null = null;
  let units = parameter.size;
  let unit = 'entries';
  if (isStructuredSpec(spec)) {
    const axisAt = target.optionsAt.axis ?? target.at;
    if (layout === null) {
      problems.push({
        at: axisAt,
        message:
          `${formatAxisSpec(spec.axis)} needs a conv2d or dense kernel, whose layout says which axis holds the channels, ` +
          `but the selector picks ${describeParameter(parameter)}`,
      });
      return { layout, axis, composes };
    }
    axis = attempt(axisAt, problems, () => resolveAxis(spec.axis, layout, parameter.shape, parameter.name));
    if (spec.method === 'ln_structured') {
      attempt(target.optionsAt.n ?? target.at, problems, () =>
        normOrderFor(spec.n, parameter.shape.length - 1, parameter.name),
      );
    }
    if (axis === null) return { layout, axis, composes };
    units = parameter.shape[axis] ?? 0;
    unit = `channels along ${formatAxisSpec(spec.axis)} (TF.js axis ${String(axis)})`;
  }
  const amount = amountOfSpec(spec);
  if (amount !== null && 'count' in amount && amount.count > units) {
    problems.push({ at: target.at, message: `count: ${amount.count} is more than the ${units} ${unit} of ${parameter.name}` });
  }
  return { layout, axis, composes };
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
): string | null {
  const reference = target.importance;
  if (reference === null) return null;
  const scores = all.find((p) => p.name === reference.param);
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
    if (p.shape.length === scores.shape.length && p.shape.every((d, i) => d === scores.shape[i])) continue;
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
