/**
 * FusedBatchNorm, batch normalization by given statistics: what a BatchNormalization layer runs
 * outside training (model.predict, evaluate) with its moving mean and variance, and what TF.js's
 * batchNorm op runs everywhere. The wasm backend's kernel computes
 * offset + (x − mean)·scale/√(variance + ε) entry by entry, a square root and a division each:
 * about half of MobileNet's evaluation time (bench/kernels.md).
 *
 * Per channel the map is x·a + b, a = scale/√(variance + ε) and b = offset − mean·a, so these are
 * computed once per channel (in float64) and each entry costs one multiply-add. The values are the
 * backend's to float32 rounding (the order of operations differs; computing a and b in float64
 * keeps b's cancellation of x·a exact to far below that).
 *
 * Taken: float32 x of any rank with mean, variance and the optional offset and scale each of its
 * last dimension's size (the backend's kernel cycles each parameter by its own size; [C] and
 * [1, 1, 1, C] alike). Everything else goes to the backend's kernel.
 */
import * as tf from '@tensorflow/tfjs';

import type { KernelOverride } from './override.js';
import { type KernelArgs, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.FusedBatchNorm;

function fusedBatchNormFast(args: KernelArgs): tf.TensorInfo | null {
  const { x, mean, variance, offset, scale } = args.inputs;
  if (x === undefined || mean === undefined || variance === undefined || x.shape.length === 0) return null;
  const channels = x.shape[x.shape.length - 1]!;
  const parameters = [mean, variance, offset, scale].filter((p) => p !== undefined);
  if (x.dtype !== 'float32' || parameters.some((p) => p.dtype !== 'float32' || tf.util.sizeFromShape(p.shape) !== channels)) return null;
  const epsilon = args.attrs?.['varianceEpsilon'];
  if (typeof epsilon !== 'number') return null;

  const backend = wasmBackendOf(args);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (n === 0) return out;
  // Views after the allocation above: a heap growth detaches older views.
  const heap = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  const m = heap(mean);
  const v = heap(variance);
  const o = offset === undefined ? null : heap(offset);
  const s = scale === undefined ? null : heap(scale);
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    // ε as the backend's kernel adds it: a float32 attribute.
    a[c] = (s === null ? 1 : s[c]!) / Math.sqrt(v[c]! + Math.fround(epsilon));
    b[c] = (o === null ? 0 : o[c]!) - m[c]! * a[c]!;
  }
  const from = heap(x);
  const to = heap(out);
  if (channels === 1) {
    const [a0, b0] = [a[0]!, b[0]!];
    for (let i = 0; i < n; i++) to[i] = from[i]! * a0 + b0;
  } else {
    for (let i = 0; i < n; i += channels) for (let c = 0; c < channels; c++) to[i + c] = from[i + c]! * a[c]! + b[c]!;
  }
  return out;
}

export const fusedBatchNormOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: fusedBatchNormFast,
};
