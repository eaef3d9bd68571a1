/** Shared helpers for the layer-level API tests: a LeNet on the wasm backend and mask checks. */
import type * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { PruneError } from '../../src/errors.js';

export const KERNELS = ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel'];

/** Every test file here runs on wasm, the backend a run uses when tfjs-node is absent. */
export function useWasm(): void {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
}

export interface Lenet {
  model: tf.Sequential;
  conv1: tf.layers.Layer;
  conv2: tf.layers.Layer;
  fc1: tf.layers.Layer;
  fc2: tf.layers.Layer;
  fc3: tf.layers.Layer;
}

export function lenet(seed = 1): Lenet {
  const model = buildLenet(seed);
  const get = (name: string) => model.getLayer(name);
  return { model, conv1: get('conv1'), conv2: get('conv2'), fc1: get('fc1'), fc2: get('fc2'), fc3: get('fc3') };
}

/** The model's current values of a weight, e.g. 'conv1/kernel' (a copy). */
export function valuesOf(model: tf.LayersModel, name: string): Float32Array {
  return readWeight(weightNamed(model, name));
}

/** original × mask, computed here independently of the code under test. */
export function masked(original: Float32Array, mask: Uint8Array): Float32Array {
  return original.map((v, i) => (mask[i] === 0 ? 0 : v));
}

/** For each channel along `axis` (TF.js layout): whether it is entirely 0 in `mask`. */
export function deadChannels(mask: Uint8Array, shape: readonly number[], axis: number): boolean[] {
  let stride = 1;
  for (let d = axis + 1; d < shape.length; d++) stride *= shape[d]!;
  const channels = shape[axis]!;
  const dead = new Array<boolean>(channels).fill(true);
  mask.forEach((v, i) => {
    if (v !== 0) dead[Math.floor(i / stride) % channels] = false;
  });
  return dead;
}

/** Each channel is either entirely kept or entirely pruned. */
export function isWholeChannels(mask: Uint8Array, shape: readonly number[], axis: number): boolean {
  const dead = deadChannels(mask, shape, axis);
  let stride = 1;
  for (let d = axis + 1; d < shape.length; d++) stride *= shape[d]!;
  return mask.every((v, i) => (v === 0) === dead[Math.floor(i / stride) % shape[axis]!]);
}

export function zeros(mask: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) z++;
  return z;
}

/** The PruneError fn throws (anything else fails the test). */
export function errorOf(fn: () => unknown): PruneError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PruneError) return e;
    throw e;
  }
  throw new Error('expected a PruneError');
}
