/**
 * Which parameters have a known weight layout, by the layer kinds (src/layers): the kernels of
 * conv2d and dense layers (TF.js [kh, kw, in, out] and [in, out]). Structured methods need it to
 * know which axis holds the channels a recipe names by meaning (`axis: out`) or by torch's `dim`.
 */
import { kindOfType, paramLayout } from '../layers/index.js';
import type { ParameterDescription } from '../models/description.js';
import type { WeightLayout } from '../prune/layout.js';

export function weightLayoutOf(parameter: Pick<ParameterDescription, 'layerType' | 'param'>): WeightLayout | null {
  return paramLayout(kindOfType(parameter.layerType), parameter.param);
}
