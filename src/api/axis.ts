/**
 * Which channels a structured method prunes, as users write it: by meaning (`axis: 'out'` =
 * filters / units, `axis: 'in'` = input channels) or by torch's `dim` (torch layout, so a call
 * ported from the seed prunes the same channels). Both become the core's AxisSpec; placing it on a
 * TF.js axis needs the weight's layout, which here comes from the layer's class.
 */
import { CHANNEL_MEANINGS, type AxisSpec, type ChannelMeaning } from '../prune/spec.js';
import type { WeightLayout } from '../prune/index.js';
import { pruneError } from './codes.js';
import { describeLayer, type Target } from './target.js';

/** Exactly one way of naming the channels. */
export type AxisOptions =
  | { readonly axis: ChannelMeaning; readonly dim?: undefined }
  | { readonly dim: number; readonly axis?: undefined };

/**
 * Kernel layouts by layer class (getClassName): Conv2D [kh, kw, in, out], Dense [in, out]. Only
 * kernels: a bias has no channels. The planner's plan/layout.ts says the same by layer type.
 */
const KERNEL_LAYOUTS: Readonly<Record<string, WeightLayout>> = { Conv2D: 'conv2d', Dense: 'dense' };

/** The parameter's layout, or null when prune-run does not know which axis holds its channels. */
export function layoutOf(target: Target): WeightLayout | null {
  return target.param === 'kernel' ? (KERNEL_LAYOUTS[target.layer.getClassName()] ?? null) : null;
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
        `${Object.keys(KERNEL_LAYOUTS).join(' and ')} layers, not for '${target.param}' of ${describeLayer(target.layer)}`,
    );
  }
  return axis !== undefined ? { kind: 'meaning', value: axis } : { kind: 'torch_dim', dim };
}
