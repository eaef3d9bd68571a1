/**
 * Which channels a structured method prunes, as users write it: by meaning (`axis: 'out'` =
 * filters / units, `axis: 'in'` = input channels) or by torch's `dim` (torch layout, so a call
 * ported from the seed prunes the same channels). Both become the core's AxisSpec; placing it on a
 * TF.js axis needs the weight's layout, which here comes from the layer's kind (src/layers).
 */
import { CLASSES_WITH_LAYOUT, kindOf, paramLayout } from '../layers/index.js';
import type { AxisOptions } from '../methods/index.js';
import { CHANNEL_MEANINGS, type AxisSpec } from '../prune/spec.js';
import type { WeightLayout } from '../prune/index.js';
import { pruneError } from './codes.js';
import { describeLayer, type Target } from './target.js';

/** The parameter's layout (from its layer's kind), or null when prune-run does not know which axis holds its channels. */
export function layoutOf(target: Target): WeightLayout | null {
  return paramLayout(kindOf(target.layer.getClassName()), target.param);
}

/** The AxisSpec; PruneError when it is malformed or the parameter's layout is unknown. */
export function axisSpecOf(target: Target, options: AxisOptions, context: string): AxisSpec {
  const { axis, dim } = options;
  if ((axis === undefined) === (dim === undefined)) {
    throw pruneError(
      'PRUNE_OPTIONS_INVALID',
      `${context}: name the channels exactly one way: axis ('out' or 'in') or dim (torch layout)`,
    );
  }
  if (axis !== undefined && !CHANNEL_MEANINGS.includes(axis)) {
    throw pruneError(
      'PRUNE_AXIS_INVALID',
      `${context}: axis '${String(axis)}' is not one of ${CHANNEL_MEANINGS.map((a) => `'${a}'`).join(', ')}` +
        ' (for a number, use dim: torch layout)',
    );
  }
  if (layoutOf(target) === null) {
    const asked = axis !== undefined ? `axis: '${axis}'` : `dim: ${String(dim)}`;
    throw pruneError(
      'PRUNE_LAYOUT_UNKNOWN',
      `${context}: ${asked} needs the weight's layout, which prune-run knows only for the kernel of ` +
        `${CLASSES_WITH_LAYOUT.join(' and ')} layers, not for '${target.param}' of ${describeLayer(target.layer)}`,
    );
  }
  return axis !== undefined ? { kind: 'meaning', value: axis } : { kind: 'torch_dim', dim };
}
