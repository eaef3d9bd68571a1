/**
 * How a described parameter is laid out in torch (prune/torchLayout.ts's kinds), from its layer
 * kind: conv2d and dense kernels by their layer descriptors (src/layers), depthwise kernels (of a
 * DepthwiseConv2D or a SeparableConv2D's first step) as torch's [in·mult, 1, kh, kw], a separable
 * layer's pointwise kernel as the 1×1 conv it is in torch, and vectors (biases, batch norm) as they
 * are. Anything else has no layout prune-run knows: null, and callers refuse to guess.
 */
import { kindOfType, paramLayout } from '../layers/index.js';
import type { TorchLayoutInfo, TorchLayoutKind } from '../prune/torchLayout.js';
import type { ParameterDescription } from './description.js';
import type { TorchParameter } from './torchNames.js';

export function torchLayoutKindOf(parameter: Pick<ParameterDescription, 'layerType' | 'param' | 'shape'>): TorchLayoutKind | null {
  const known = paramLayout(kindOfType(parameter.layerType), parameter.param);
  if (known !== null) return known;
  if (parameter.param === 'depthwise_kernel' && parameter.shape.length === 4) return 'depthwise';
  if (parameter.layerType === 'separable_conv2d' && parameter.param === 'pointwise_kernel') return 'conv2d';
  return parameter.shape.length === 1 ? 'same' : null;
}

/** What toTorchLayout/fromTorchLayout need beside the kind: the flatten a dense kernel reads, a depthwise multiplier. */
export function torchLayoutInfoOf(parameter: Pick<ParameterDescription, 'shape'>, torch: TorchParameter | undefined, kind: TorchLayoutKind): TorchLayoutInfo {
  if (kind === 'depthwise') return { depthMultiplier: parameter.shape[3] };
  return torch?.flattenedFrom === undefined ? {} : { flattenedFrom: torch.flattenedFrom };
}
