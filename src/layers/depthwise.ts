/**
 * Convolutions whose channels are tied to their input's. DepthwiseConv2D (kernel
 * [kh, kw, in, mult]): output channel c·mult + m reads input channel c alone. SeparableConv2D as
 * compaction sees it: a depthwise step (its output is internal) then a pointwise kernel
 * [1, 1, in·mult, out] whose last axis is the layer's output; compaction rewrites neither.
 */
import { BIAS, param } from './param.js';
import type { LayerKind } from './types.js';

export const DEPTHWISE_CONV2D: LayerKind = {
  className: 'DepthwiseConv2D',
  type: 'depthwise_conv2d',
  params: [param('depthwise_kernel', { out: [2, 3], in: 2 }), BIAS],
  outputKernel: 'depthwise_kernel',
  flow: 'depthwise',
  compaction: { role: 'tied' },
  merge: null,
};

export const SEPARABLE_CONV2D: LayerKind = {
  className: 'SeparableConv2D',
  type: 'separable_conv2d',
  params: [param('depthwise_kernel', { in: 2 }), param('pointwise_kernel', { out: [3] }), BIAS],
  outputKernel: 'pointwise_kernel',
  flow: 'produces',
  compaction: { role: 'tied' },
  merge: null,
};
