/**
 * Layers that make new channels from all of their input's: Conv2D (kernel [kh, kw, in, out]) and
 * Dense (kernel [in, out]). Filter pruning selects their output channels; compaction drops their
 * dead ones and folds a producer's removed channels into their bias.
 */
import { BIAS, param } from './param.js';
import type { LayerKind } from './types.js';

export const CONV2D: LayerKind = {
  className: 'Conv2D',
  type: 'conv2d',
  params: [param('kernel', { out: [3], in: 2, layout: 'conv2d' }), BIAS],
  outputKernel: 'kernel',
  flow: 'produces',
  compaction: { role: 'producer', sizeField: 'filters', windowed: true },
  merge: null,
};

export const DENSE: LayerKind = {
  className: 'Dense',
  type: 'dense',
  params: [param('kernel', { out: [1], in: 0, layout: 'dense' }), BIAS],
  outputKernel: 'kernel',
  flow: 'produces',
  compaction: { role: 'producer', sizeField: 'units', windowed: false },
  merge: null,
};
