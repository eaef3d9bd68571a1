/**
 * Layers that sit between a producer and its consumer and act on each channel on its own, so a
 * removed channel stays a constant through them: pooling (the max or mean of a constant is that
 * constant; TF.js pools over in-bounds positions only, so 'same' padding keeps it too), Dropout
 * (identity at inference), Activation / ReLU (the constant goes through the function),
 * BatchNormalization (inference mode: the constant goes through gamma·(x−mean)/√(var+ε)+beta, and
 * the channel leaves all four parameter vectors) and Flatten (each channel becomes one feature
 * per spatial position, in TF.js's (h, w, c) order). Anything else is refused: compaction cannot
 * say what a removed channel becomes there.
 */
import { elementwiseActivation } from './activations.js';
import type { ChainNode } from './chain.js';
import { indicesOf, mapValues, type ConstantFeature, type ConstantFeatures } from './constants.js';
import { complement, takeAlong } from './hostArray.js';
import type { LayerWeights } from './layerWeights.js';
import { unsupported } from './unsupported.js';

const POOLING = new Set(['MaxPooling2D', 'AveragePooling2D']);
const DEPTHWISE = new Set(['DepthwiseConv2D', 'SeparableConv2D']);
const BN_PARTS = ['gamma', 'beta', 'moving_mean', 'moving_variance'];

function checkChannelsLast(node: ChainNode): void {
  const format = node.config['dataFormat'];
  if (format !== undefined && format !== 'channelsLast') {
    throw unsupported(node, `dataFormat '${String(format)}' is not supported; compaction needs channelsLast`);
  }
}

function batchNormalized(node: ChainNode, weights: LayerWeights, incoming: ConstantFeatures): ConstantFeatures {
  const rank = node.inputShape.length;
  const axis = node.config['axis'];
  if (axis !== -1 && axis !== rank - 1) {
    throw unsupported(node, `it normalises axis ${JSON.stringify(axis)}, not the channel axis (the last), which compaction needs`);
  }
  const epsilon = node.config['epsilon'];
  const mean = weights.get('moving_mean')?.values;
  const variance = weights.get('moving_variance')?.values;
  if (typeof epsilon !== 'number' || mean === undefined || variance === undefined) {
    throw unsupported(node, 'its epsilon or moving statistics cannot be read, so the constant it makes of a removed channel is unknown');
  }
  // Without scale or center, TF.js has no gamma or beta weight: they are 1 and 0.
  const gamma = weights.get('gamma')?.values;
  const beta = weights.get('beta')?.values;
  return mapValues(incoming, ({ index: i, value }) => {
    const normalised = (value - mean[i]!) / Math.sqrt(variance[i]! + epsilon);
    return normalised * (gamma?.[i] ?? 1) + (beta?.[i] ?? 0);
  });
}

function flattened(node: ChainNode, incoming: ConstantFeatures): ConstantFeatures {
  const dims = node.inputShape.slice(1);
  if (dims.some((d) => d === null)) {
    throw unsupported(node, `its input shape [${dims.join(', ')}] is not fully known, so the flattened positions of a channel are unknown`);
  }
  const channels = incoming.size;
  const positions = (dims as number[]).slice(0, -1).reduce((p, d) => p * d, 1);
  const features: ConstantFeature[] = [];
  for (let p = 0; p < positions; p++) {
    for (const f of incoming.features) features.push({ ...f, index: p * channels + f.index });
  }
  return { size: positions * channels, features };
}

/**
 * What the constant features arriving at `node` are after it; COMPACT_UNSUPPORTED when the layer
 * is not one compaction can pass a removed channel through.
 */
export function throughLayer(node: ChainNode, weights: LayerWeights, incoming: ConstantFeatures): ConstantFeatures {
  const { className, config } = node;
  if (POOLING.has(className)) {
    checkChannelsLast(node);
    return incoming;
  }
  if (className === 'Dropout') return incoming;
  if (className === 'Activation') {
    const act = elementwiseActivation(config['activation']);
    if (act === null) {
      throw unsupported(node, `activation '${String(config['activation'])}' is not element-wise (or not one compaction knows), so it cannot pass a removed channel through`);
    }
    return mapValues(incoming, (f) => act(f.value));
  }
  if (className === 'ReLU') {
    const maxValue = config['maxValue'];
    const cap = typeof maxValue === 'number' ? maxValue : Infinity;
    return mapValues(incoming, (f) => Math.min(cap, Math.max(0, f.value)));
  }
  if (className === 'BatchNormalization') return batchNormalized(node, weights, incoming);
  if (className === 'Flatten') {
    checkChannelsLast(node);
    return flattened(node, incoming);
  }
  if (DEPTHWISE.has(className)) {
    throw unsupported(node, 'it sits after a layer with removed channels, and a depthwise convolution cannot drop input channels (each has its own filters)');
  }
  throw unsupported(node, 'it sits between a layer with removed channels and the layer that reads them, and is a layer type compaction does not know');
}

/** Drops the removed features from a channel-wise layer's weights (only BatchNormalization has any). */
export function removeFromChannelWise(node: ChainNode, weights: LayerWeights, incoming: ConstantFeatures): void {
  if (node.className !== 'BatchNormalization') return;
  const keep = complement(incoming.size, indicesOf(incoming));
  for (const part of BN_PARTS) {
    const array = weights.get(part);
    if (array !== undefined) weights.set(part, takeAlong(array, 0, keep));
  }
}
