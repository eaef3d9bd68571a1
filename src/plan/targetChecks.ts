/**
 * The checks of a local target that need the model: a structured method's axis against the
 * parameter's layout, ln_structured's norm order against its rank, a count against its size,
 * semi_structured's M against the kernel's inputs, a plugin's kind against its axis, and the
 * importance source. Each problem is located at what the user wrote (the axis, n or
 * importance_scores value, else the target) and names the parameter. Pure: no TF.js.
 */
import { PruneError, type RecipeProblem, type SourceLocation } from '../errors.js';
import type { ParameterDescription } from '../models/description.js';
import { resolveAxis } from '../prune/axis.js';
import { tfjsToTorch } from '../prune/layout.js';
import { normOrderFor } from '../prune/norm.js';
import type { WeightLayout } from '../prune/layout.js';
import { checkGroupShape } from '../prune/semiStructured.js';
import { amountOfSpec, formatAxisSpec, isStructuredSpec, type CustomMethodSpec, type MaskReference } from '../prune/spec.js';
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
  if (spec.method === 'custom_from_mask') {
    checkMaskShape(spec.mask, target.optionsAt.mask ?? target.at, parameter, layout, problems);
    return { layout, axis, composes };
  }
  if (spec.method === 'semi_structured') {
    checkSemiStructured(spec.pattern.m, target.optionsAt.pattern ?? target.at, parameter, layout, problems);
    return { layout, axis, composes };
  }
  if (spec.method === 'custom') {
    return { layout, axis: checkPlugin(spec, target, parameter, layout, problems), composes };
  }
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

/** semi_structured: a conv2d or dense kernel whose input axis M divides (groups must tile it). */
function checkSemiStructured(
  m: number,
  at: SourceLocation,
  parameter: ParameterDescription,
  layout: WeightLayout | null,
  problems: RecipeProblem[],
): void {
  if (layout === null) {
    problems.push({
      at,
      message:
        `semi_structured needs a conv2d or dense kernel, whose layout says which axis holds the inputs its groups run along, ` +
        `but the selector picks ${describeParameter(parameter)}`,
    });
    return;
  }
  attempt(at, problems, () => checkGroupShape(layout, parameter.shape, m, parameter.name));
}

/**
 * custom: the plugin must be loaded (prepareRun binds it), a structured plugin needs axis or dim
 * on a kernel whose layout is known, and only a structured plugin takes one. Returns the TF.js axis.
 */
function checkPlugin(
  spec: CustomMethodSpec,
  target: LocalTarget,
  parameter: ParameterDescription,
  layout: WeightLayout | null,
  problems: RecipeProblem[],
): number | null {
  const moduleAt = target.optionsAt.module ?? target.at;
  const plugin = spec.plugin;
  if (plugin === null) {
    problems.push({ at: moduleAt, message: `the plugin module "${spec.module}" is not loaded; prepareRun loads it (with permission) before planning` });
    return null;
  }
  const what = `plugin "${plugin.name}" of ${spec.module} is ${plugin.kind}`;
  if (plugin.kind !== 'structured') {
    if (spec.axis !== undefined) {
      problems.push({ at: target.optionsAt.axis ?? moduleAt, message: `${formatAxisSpec(spec.axis)} is for structured plugins only; ${what}` });
    }
    return null;
  }
  if (spec.axis === undefined) {
    problems.push({ at: moduleAt, message: `${what}: say which channels it prunes with axis: out or in (or torch's dim)` });
    return null;
  }
  const axisAt = target.optionsAt.axis ?? moduleAt;
  if (layout === null) {
    problems.push({
      at: axisAt,
      message: `${formatAxisSpec(spec.axis)} needs a conv2d or dense kernel, whose layout says which axis holds the channels, but the selector picks ${describeParameter(parameter)}`,
    });
    return null;
  }
  const axisSpec = spec.axis;
  return attempt(axisAt, problems, () => resolveAxis(axisSpec, layout, parameter.shape, parameter.name));
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * custom_from_mask: the mask tensor must have the parameter's shape, in TF.js layout or (layout:
 * torch) in torch's, which needs a conv2d or dense kernel to be mapped.
 */
function checkMaskShape(
  mask: MaskReference,
  at: SourceLocation,
  parameter: ParameterDescription,
  layout: WeightLayout | null,
  problems: RecipeProblem[],
): void {
  const name = `mask tensor "${mask.tensor}" ${shapeText(mask.shape)}`;
  if (mask.layout === 'tfjs') {
    if (sameShape(mask.shape, parameter.shape)) return;
    let hint = '';
    if (layout !== null) {
      const torchShape = tfjsToTorch(layout, new Uint8Array(parameter.size), parameter.shape).shape;
      if (sameShape(mask.shape, torchShape)) hint = ` (that is its torch layout: add layout: torch to the mask)`;
    }
    problems.push({ at, message: `${name} does not have the shape of ${describeParameter(parameter)}, which it would mask${hint}` });
    return;
  }
  if (layout === null) {
    problems.push({
      at,
      message: `layout: torch needs a conv2d or dense kernel, whose torch layout prune-run knows, but the selector picks ${describeParameter(parameter)}`,
    });
    return;
  }
  const torchShape = tfjsToTorch(layout, new Uint8Array(parameter.size), parameter.shape).shape;
  if (!sameShape(mask.shape, torchShape)) {
    problems.push({
      at,
      message: `${name} (layout: torch) does not have the torch shape ${shapeText(torchShape)} of ${describeParameter(parameter)}`,
    });
  }
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
