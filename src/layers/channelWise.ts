/**
 * Layers that act on each channel on its own, so a channel keeps its index through them (Flatten
 * spreads it over the spatial positions). A removed channel is a constant through them: pooling
 * keeps it (TF.js pools over in-bounds positions only, so 'same' padding keeps it too), Dropout
 * is the identity at inference, activations map it, batch norm (inference mode) maps it by
 * gamma·(x−mean)/√(var+ε)+beta and the channel leaves all four of its vectors.
 */
import { param } from './param.js';
import type { LayerKind } from './types.js';

function channelWise(className: string, type: string, rest: Pick<LayerKind, 'params' | 'flow' | 'compaction'>): LayerKind {
  return { className, type, outputKernel: null, merge: null, ...rest };
}

const BN_PARAMS = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((name) => param(name, { out: [0], in: 0 }));

export const BATCH_NORMALIZATION = channelWise('BatchNormalization', 'batch_normalization', {
  params: BN_PARAMS,
  flow: 'one_to_one',
  compaction: { role: 'channel_wise', constant: 'batch_norm', channelsLastOnly: false },
});

export const MAX_POOLING2D = channelWise('MaxPooling2D', 'max_pooling2d', {
  params: [],
  flow: 'one_to_one',
  compaction: { role: 'channel_wise', constant: 'same', channelsLastOnly: true },
});

export const AVERAGE_POOLING2D = channelWise('AveragePooling2D', 'average_pooling2d', {
  params: [],
  flow: 'one_to_one',
  compaction: { role: 'channel_wise', constant: 'same', channelsLastOnly: true },
});

/** Channel c of the mean over positions is channel c; compaction does not pass constants through it (yet). */
export const GLOBAL_AVERAGE_POOLING2D = channelWise('GlobalAveragePooling2D', 'global_average_pooling2d', {
  params: [],
  flow: 'one_to_one',
  compaction: { role: 'none' },
});

export const RELU = channelWise('ReLU', 'relu', {
  params: [],
  flow: 'one_to_one',
  compaction: { role: 'channel_wise', constant: 'relu', channelsLastOnly: false },
});

export const ACTIVATION = channelWise('Activation', 'activation', {
  params: [],
  flow: 'one_to_one',
  compaction: { role: 'channel_wise', constant: 'activation', channelsLastOnly: false },
});

export const DROPOUT = channelWise('Dropout', 'dropout', {
  params: [],
  flow: 'one_to_one',
  compaction: { role: 'channel_wise', constant: 'same', channelsLastOnly: false },
});

export const FLATTEN = channelWise('Flatten', 'flatten', {
  params: [],
  flow: 'flatten',
  compaction: { role: 'channel_wise', constant: 'same', channelsLastOnly: true },
});

/**
 * Pads the map with zeros (what an imported torch conv's pads become when they are neither TF.js's
 * 'valid' nor its 'same'). A removed channel's constant would be padded with zeros, not with
 * itself, so compaction has no rule for it.
 */
export const ZERO_PADDING2D = channelWise('ZeroPadding2D', 'zero_padding2d', {
  params: [],
  flow: 'one_to_one',
  compaction: { role: 'none' },
});
