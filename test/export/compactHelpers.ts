/**
 * Helpers shared by the compact-export tests: kill output channels the way pruning leaves them
 * (kernel slice zero, bias untouched or set), make inputs, and round-trip a model through the
 * standard save format.
 */
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../../src/data/index.js';
import { readWeight, weightNamed, writeWeight } from '../../src/engine/weights.js';

/**
 * Zeroes the kernel slices of `channels` (the kernel's last axis) of `layer` and, when given, sets
 * their biases (one value per channel).
 */
export function killChannels(model: tf.LayersModel, layer: string, channels: readonly number[], biases?: readonly number[]): void {
  const kernel = weightNamed(model, `${layer}/kernel`);
  const outputs = kernel.shape[kernel.shape.length - 1]!;
  const values = readWeight(kernel);
  const dead = new Set(channels);
  for (let i = 0; i < values.length; i++) if (dead.has(i % outputs)) values[i] = 0;
  writeWeight(kernel, values);
  if (biases === undefined) return;
  const bias = weightNamed(model, `${layer}/bias`);
  const b = readWeight(bias);
  channels.forEach((c, k) => (b[c] = biases[k]!));
  writeWeight(bias, b);
}

/** Sets a weight from a function of the flat index (for moving statistics and the like). */
export function setWeight(model: tf.LayersModel, name: string, f: (i: number) => number): void {
  const variable = weightNamed(model, name);
  const size = variable.read().size;
  writeWeight(variable, Float32Array.from({ length: size }, (_, i) => f(i)));
}

/** `count` synthetic images of `shape` (default MNIST's 28×28×1), as one batch. */
export function images(count: number, seed: number, shape: readonly [number, number, number] = [28, 28, 1]): tf.Tensor4D {
  const data = syntheticDataset({ trainCount: count, testCount: 1, seed, imageShape: shape });
  return tf.tensor4d(data.train.images, [count, ...shape]);
}

export function predict(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array).slice();
}

/** Weight shapes by original name. */
export function weightShapes(model: tf.LayersModel): Record<string, number[]> {
  return Object.fromEntries(model.weights.map((w) => [w.originalName, [...w.read().shape]]));
}

/** Saves to memory and loads back with plain tf.loadLayersModel (no prune-run classes). */
export async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}
