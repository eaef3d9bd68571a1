/**
 * Which parameters have a known weight layout: the kernels of conv2d and dense layers (TF.js
 * [kh, kw, in, out] and [in, out]). Structured methods need it to know which axis holds the
 * channels a recipe names by meaning (`axis: out`) or by torch's `dim`.
 */
import type { ParameterDescription } from '../models/description.js';
import type { WeightLayout } from '../prune/layout.js';

const KERNEL_LAYOUTS: Readonly<Record<string, WeightLayout>> = { conv2d: 'conv2d', dense: 'dense' };

export function weightLayoutOf(parameter: Pick<ParameterDescription, 'layerType' | 'param'>): WeightLayout | null {
  return parameter.param === 'kernel' ? (KERNEL_LAYOUTS[parameter.layerType] ?? null) : null;
}
