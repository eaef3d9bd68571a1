/**
 * Layers that sit between a producer and its consumer and act on each channel on its own (the
 * layer kinds whose compaction role is 'channel_wise'), so a removed channel stays a constant
 * through them: its value goes through the kind's constant rule and its index through the kind's
 * channel flow (Flatten: one feature per spatial position, in TF.js's (h, w, c) order). Anything
 * else is refused: compaction cannot say what a removed channel becomes there.
 */
import { elementwiseActivation, outputsOf, type ConstantRule } from '../../layers/index.js';
import type { ChainNode } from './chain.js';
import { indicesOf, mapValues, type ConstantFeature, type ConstantFeatures } from './constants.js';
import { complement } from './hostArray.js';
import type { LayerWeights } from './layerWeights.js';
import { sliceChannels } from './sliceChannels.js';
import { unsupported } from './unsupported.js';

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

function constantThrough(rule: ConstantRule, node: ChainNode, weights: LayerWeights, incoming: ConstantFeatures): ConstantFeatures {
  const { config } = node;
  switch (rule) {
    case 'same':
      return incoming;
    case 'activation': {
      const act = elementwiseActivation(config['activation']);
      if (act === null) {
        throw unsupported(node, `activation '${String(config['activation'])}' is not element-wise (or not one compaction knows), so it cannot pass a removed channel through`);
      }
      return mapValues(incoming, (f) => act(f.value));
    }
    case 'relu': {
      const maxValue = config['maxValue'];
      const cap = typeof maxValue === 'number' ? maxValue : Infinity;
      return mapValues(incoming, (f) => Math.min(cap, Math.max(0, f.value)));
    }
    case 'batch_norm':
      return batchNormalized(node, weights, incoming);
  }
}

/** Each feature at the indices the layer's flow sends its index to, ascending. */
function indicesThrough(node: ChainNode, incoming: ConstantFeatures): ConstantFeatures {
  if (node.kind?.flow !== 'flatten') return incoming;
  const dims = node.inputShape.slice(1);
  if (dims.some((d) => d === null)) {
    throw unsupported(node, `its input shape [${dims.join(', ')}] is not fully known, so the flattened positions of a channel are unknown`);
  }
  const shapes = { inputs: [dims as number[]] };
  const features: ConstantFeature[] = incoming.features.flatMap((f) =>
    outputsOf('flatten', shapes, { input: 0, channel: f.index }).map((index) => ({ ...f, index })),
  );
  const positions = (dims as number[]).slice(0, -1).reduce((p, d) => p * d, 1);
  return { size: positions * incoming.size, features: features.sort((a, b) => a.index - b.index) };
}

/**
 * What the constant features arriving at `node` are after it; COMPACT_UNSUPPORTED when the layer
 * is not one compaction can pass a removed channel through.
 */
export function throughLayer(node: ChainNode, weights: LayerWeights, incoming: ConstantFeatures): ConstantFeatures {
  const rule = node.kind?.compaction;
  if (rule?.role === 'channel_wise') {
    if (rule.channelsLastOnly) checkChannelsLast(node);
    return indicesThrough(node, constantThrough(rule.constant, node, weights, incoming));
  }
  if (rule?.role === 'tied') {
    throw unsupported(node, 'it sits after a layer with removed channels, and a depthwise convolution cannot drop input channels (each has its own filters)');
  }
  throw unsupported(node, 'it sits between a layer with removed channels and the layer that reads them, and is a layer type compaction does not know');
}

/** Drops the removed features from a channel-wise layer's weights: every param with an input-channel axis (batch norm's four vectors). */
export function removeFromChannelWise(node: ChainNode, weights: LayerWeights, incoming: ConstantFeatures): void {
  if (node.kind?.compaction.role !== 'channel_wise') return;
  sliceChannels(node, weights, 'in', complement(incoming.size, indicesOf(incoming)));
}
