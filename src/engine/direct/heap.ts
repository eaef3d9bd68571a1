/**
 * The direct pass's view of wasm-backend data: tensor infos made and read outside the engine, as
 * heap views. Nothing here is tracked by tf.memory(): whoever makes an info releases it
 * (shard.ts keeps every one it makes in one list and releases them all at the end).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WeightRef } from './directLayer.js';

export type Info = tf.TensorInfo;

/** The same backend data seen with another shape (a reshape, no copy). Never released itself. */
export function alias(info: Info, shape: number[]): Info {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function infoOf(ref: WeightRef): Info {
  return { dataId: ref.variable.dataId, shape: ref.variable.shape, dtype: 'float32' };
}

/** The data as a heap view: take it after every allocation before its use (a heap growth detaches older views). */
export function view(backend: BackendWasm, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A new float32 buffer of `shape`, put on `owned` for release (contents undefined). */
export function allocate(backend: BackendWasm, shape: readonly number[], owned: Info[]): Info {
  const info = backend.makeOutput([...shape], 'float32');
  owned.push(info);
  return info;
}

/** A weight's gradient slot in the flat gradient vector. */
export function slotOf(out: Float32Array, ref: WeightRef): Float32Array {
  return out.subarray(ref.offset, ref.offset + ref.size);
}

/** dz ← dz where the layer's ReLU output is positive, else 0 (relu'(x) = x > 0, as TF.js's Step). */
export function reluGate(dz: Float32Array, activation: Float32Array): void {
  for (let i = 0; i < dz.length; i++) if (!(activation[i]! > 0)) dz[i] = 0;
}
