/**
 * A TF.js LayersModel as the planner sees it (ModelDescription), read from the model in memory
 * exactly as a saved model.json would be read, and the channel groups built from it:
 * `prune.channelGroups(model)`.
 */
import type * as tf from '@tensorflow/tfjs';
import { channelGroups as groupsOf, type ChannelGroup } from '../models/channelGroups.js';
import type { ModelDescription } from '../models/description.js';
import { describeTopology } from '../models/modelJson.js';
import { pruneError } from './codes.js';

export function describeLayersModel(model: tf.LayersModel): ModelDescription {
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  const weights = model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map((d) => d ?? 0) }));
  const layers = describeTopology(topology, weights, (message) => {
    throw pruneError('PRUNE_MODEL_UNREADABLE', `model ${model.name}: ${message}`);
  });
  return { source: `model ${model.name}`, ...layers };
}

/**
 * The sets of channels that must be removed together (Torch-Pruning's DepGraph groups): a conv's
 * or dense layer's output channels with the batch norm, activations, pooling and depthwise convs
 * that carry them, the input slices of every layer that reads them, joined across adds and
 * concatenations. Ordered by their root layer's place in the model.
 */
export function channelGroups(model: tf.LayersModel): ChannelGroup[] {
  return groupsOf(describeLayersModel(model));
}
