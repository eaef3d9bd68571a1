/** The InputLayer of a functional model: where its channels start; compaction and filter pruning skip it. */
import type { LayerKind } from './types.js';

export const INPUT_LAYER: LayerKind = {
  className: 'InputLayer',
  type: 'input_layer',
  params: [],
  outputKernel: null,
  flow: 'source',
  compaction: { role: 'none' },
  merge: null,
};
