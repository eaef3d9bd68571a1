/**
 * The words methods share when the plan is printed: amounts, counts relative to what is left, the
 * ranking rule, and how a parameter is named in a problem.
 */
import path from 'node:path';
import type { ParameterDescription } from '../models/description.js';
import { pythonRound, type Amount } from '../prune/amount.js';
import { describeTorchDim, torchDimOf } from '../prune/axis.js';
import type { AxisSpec } from '../prune/spec.js';
import type { ImportanceSource, OutcomeContext } from './types.js';

export function formatAmount(amount: Amount, unit = 'entries'): string {
  return 'amount' in amount ? `${+(amount.amount * 100).toFixed(4)}%` : `${amount.count} ${unit}`;
}

/**
 * How many entries or channels: exact when nothing was pruned before, else relative to what is
 * left (`left` says what counts as left), which only the run knows.
 */
export function howMany(amount: Amount, total: number, what: string, composes: boolean, left: string): string {
  if (!composes) {
    const k = 'count' in amount ? amount.count : pythonRound(amount.amount * total);
    return `prunes ${k} of its ${total} ${what}`;
  }
  return 'count' in amount ? `prunes ${amount.count} more of its ${what} ${left}` : `prunes ${formatAmount(amount)} of its ${what} ${left}`;
}

/** The scores' source in a sentence: "conv2/kernel's values" or "tensor s of scores.safetensors". */
export function importanceText(importance: ImportanceSource): string {
  if (importance.kind === 'weights') return 'its own weights';
  if (importance.kind === 'parameter') return `${importance.name}'s values`;
  const { tensor, file, layout } = importance.tensor;
  return `tensor ${tensor} of ${path.basename(file)}${layout === 'torch' ? ' (torch layout)' : ''}`;
}

/** The ranking rule: "smallest |w| first", or by the importance scores. */
export function rankText(importance: ImportanceSource, key: string): string {
  return importance.kind === 'weights' ? `smallest ${key} first` : `smallest ${key} of ${importanceText(importance)} first`;
}

export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** "conv1/kernel (conv2d kernel, shape [3, 3, 1, 6])". */
export function parameterText(p: ParameterDescription): string {
  return `${p.name} (${p.layerType} ${p.param}, shape ${shapeText(p.shape)})`;
}

/** ", on top of its mask" when the parameter was pruned before. */
export function onTop(composes: boolean): string {
  return composes ? ', on top of its mask' : '';
}

/** What a structured method does to one parameter: where its channels are, how many go, by which rule. */
export function channelOutcome(
  spec: { readonly amount: Amount; readonly axis: AxisSpec },
  { planned, shape }: OutcomeContext,
  rule: string,
): string {
  if (planned.axis === null || planned.layout === null) return 'cannot be pruned along this axis';
  const dim = torchDimOf(spec.axis, planned.layout) ?? 0;
  const where = `along TF.js axis ${planned.axis} (torch dim ${dim}: ${describeTorchDim(planned.layout, dim)})`;
  const count = howMany(spec.amount, shape[planned.axis] ?? 0, 'channels', planned.composes, 'not yet fully pruned');
  return `${where}, ${count}${rule}${onTop(planned.composes)}`;
}
