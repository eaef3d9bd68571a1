/**
 * Plan-time checks several methods share: a core check turned into a located problem, the axis of
 * a structured method against the parameter's layout, and a count against what there is to prune.
 */
import { PruneError, type RecipeProblem, type SourceLocation } from '../errors.js';
import type { Amount } from '../prune/amount.js';
import { formatAxisSpec, resolveAxis } from '../prune/axis.js';
import type { AxisSpec } from '../prune/spec.js';
import { parameterText } from './text.js';
import type { PlanContext, PlannedPrune } from './types.js';

/** Runs a core check, turning its PruneError into a located problem. */
export function attempt<T>(at: SourceLocation, problems: RecipeProblem[], check: () => T): T | null {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof PruneError)) throw error;
    problems.push({ at, message: error.message });
    return null;
  }
}

/** The TF.js axis `axis` names on the parameter, or null with a problem at the axis (or `at`). */
export function planAxis(axis: AxisSpec, context: PlanContext, at: SourceLocation): number | null {
  const { parameter, layout } = context;
  if (layout === null) {
    context.problems.push({
      at,
      message:
        `${formatAxisSpec(axis)} needs a conv2d or dense kernel, whose layout says which axis holds the channels, ` +
        `but the selector picks ${parameterText(parameter)}`,
    });
    return null;
  }
  return attempt(at, context.problems, () => resolveAxis(axis, layout, parameter.shape, parameter.name));
}

/** A count larger than what there is to prune is refused at the target; a fraction always fits. */
export function checkCount(amount: Amount, units: number, unit: string, context: PlanContext): void {
  if ('count' in amount && amount.count > units) {
    context.problems.push({ at: context.targetAt, message: `count: ${amount.count} is more than the ${units} ${unit} of ${context.parameter.name}` });
  }
}

/** An unstructured method's plan: its count against the parameter's entries. */
export function planEntries(amount: Amount, context: PlanContext): PlannedPrune {
  checkCount(amount, context.parameter.size, 'entries', context);
  return { layout: context.layout, axis: null, composes: context.composes };
}

/** A structured method's plan: its axis, then its count against the channels along it. */
export function planChannels(amount: Amount, axisSpec: AxisSpec, context: PlanContext, extra?: () => void): PlannedPrune {
  const axis = planAxis(axisSpec, context, context.at('axis'));
  // The method's own checks need a kernel; without one, the axis problem says so already.
  if (context.layout !== null) extra?.();
  if (axis !== null) {
    const units = context.parameter.shape[axis] ?? 0;
    checkCount(amount, units, `channels along ${formatAxisSpec(axisSpec)} (TF.js axis ${String(axis)})`, context);
  }
  return { layout: context.layout, axis, composes: context.composes };
}
