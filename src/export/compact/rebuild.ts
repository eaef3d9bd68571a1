/**
 * Builds the compact model from the source model's own config, with the new filters / units, and
 * sets the planned weights. Going through getConfig / fromConfig keeps every layer's name and
 * settings and makes a plain model of built-in classes, which tf.loadLayersModel reads back after
 * save. Weights are set in each layer's own order; fromConfig's fast init skips the initialisers,
 * whose values would be overwritten anyway.
 */
import * as tf from '@tensorflow/tfjs';
import { kindOf } from '../../layers/index.js';
import type { CompactPlan } from './plan.js';

/** The config field that holds a producer's channel count (filters, units), from its layer kind. */
function sizeFieldOf(className: string): string | undefined {
  const rule = kindOf(className)?.compaction;
  return rule?.role === 'producer' ? rule.sizeField : undefined;
}

function resizedConfig(model: tf.LayersModel, sizes: ReadonlyMap<string, number>): tf.serialization.ConfigDict {
  const config = structuredClone(model.getConfig());
  const layers = config['layers'];
  if (!Array.isArray(layers)) throw new Error('internal: a model config has no layers list');
  for (const entry of layers as { className: string; config: tf.serialization.ConfigDict }[]) {
    const size = sizes.get(String(entry.config['name']));
    const key = sizeFieldOf(entry.className);
    if (size !== undefined && key !== undefined) entry.config[key] = size;
  }
  return config;
}

export function rebuildModel(model: tf.LayersModel, plan: CompactPlan): tf.LayersModel {
  const config = resizedConfig(model, plan.sizes);
  const rebuilt =
    model instanceof tf.Sequential
      ? tf.Sequential.fromConfig<tf.Sequential>(tf.Sequential, config, {}, true)
      : tf.LayersModel.fromConfig<tf.LayersModel>(tf.LayersModel, config, {}, true);
  try {
    tf.tidy(() => {
      for (const layer of rebuilt.layers) {
        const weights = plan.weights.get(layer.name);
        if (weights === undefined || weights.arrays.length === 0) continue;
        layer.setWeights(weights.arrays.map((a) => tf.tensor(a.values, [...a.shape], 'float32')));
      }
    });
  } catch (error) {
    rebuilt.dispose();
    throw error;
  }
  return rebuilt;
}
