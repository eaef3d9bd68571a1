/**
 * Which parameters have a known weight layout, by the layer kinds (src/layers): the kernels of
 * conv2d and dense layers (TF.js [kh, kw, in, out] and [in, out]). Structured methods need it to
 * know which axis holds the channels a recipe names by meaning (`axis: out`) or by torch's `dim`,
 * and torch-layout masks how a dense kernel's rows follow a flatten (torchRowsOf).
 */
import { kindOfType, paramLayout } from '../layers/index.js';
import type { TorchRows } from '../methods/index.js';
import type { ModelDescription, ParameterDescription } from '../models/description.js';
import { layerGraph } from '../models/layerGraph.js';
import type { WeightLayout } from '../prune/layout.js';

export function weightLayoutOf(parameter: Pick<ParameterDescription, 'layerType' | 'param'>): WeightLayout | null {
  return paramLayout(kindOfType(parameter.layerType), parameter.param);
}

/**
 * The flatten layer a layer reads, directly or through layers that keep each feature where it is
 * (dropout, activations: flow one_to_one), or null.
 */
function flattenRead(model: ModelDescription, layer: string): string | null {
  const graph = layerGraph(model);
  let current = graph.layers.get(layer);
  const seen = new Set<string>();
  while (current !== undefined && current.inbound.length === 1 && !seen.has(current.description.name)) {
    seen.add(current.description.name);
    const input = graph.layers.get(current.inbound[0]!);
    if (input === undefined) return null;
    if (input.kind?.flow === 'flatten') return input.description.name;
    if (input.kind?.flow !== 'one_to_one') return null;
    current = input;
  }
  return null;
}

/**
 * How the parameter's rows map to torch's: a model with a torch counterpart says it (its
 * TorchParameter's flattenedFrom); otherwise a dense kernel that reads a flatten cannot be mapped,
 * since nothing says the order of the torch model's flatten.
 */
export function torchRowsOf(model: ModelDescription, parameter: ParameterDescription): TorchRows {
  if (weightLayoutOf(parameter) !== 'dense') return { kind: 'rows' };
  if (model.torch !== undefined) {
    const from = model.torch[parameter.name]?.flattenedFrom;
    return from === undefined ? { kind: 'rows' } : { kind: 'flattened', from };
  }
  const flatten = flattenRead(model, parameter.layer);
  return flatten === null ? { kind: 'rows' } : { kind: 'unknown', flatten };
}
