/**
 * Building a structured core method: the TF.js axis its AxisSpec names on this tensor, and the
 * history fields that say how it was asked for (the core records the TF.js `axis`; `torch_dim`
 * lets a reader check it against a ported torch call).
 */
import { resolveAxis, torchDimOf } from '../prune/axis.js';
import type { PruningMethod } from '../prune/method.js';
import type { AxisSpec } from '../prune/spec.js';
import type { MethodContext } from './types.js';

export function placeAxis(axisSpec: AxisSpec, context: MethodContext): { axis: number; record: Record<string, unknown> } {
  const axis = resolveAxis(axisSpec, context.layout, context.shape, context.paramName);
  const torchDim = context.layout === null ? null : torchDimOf(axisSpec, context.layout);
  const asked = axisSpec.kind === 'meaning' ? { channels: axisSpec.value } : {};
  return { axis, record: { axis, torch_dim: torchDim, ...asked } };
}

/** The same method with extra fields in its history record. */
export function recorded<M extends PruningMethod>(method: M, extra: Record<string, unknown>): M {
  return { ...method, describe: () => ({ ...method.describe(), ...extra }) };
}
