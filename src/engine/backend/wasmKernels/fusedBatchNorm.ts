/**
 * FusedBatchNorm, batch normalization by given statistics: what a BatchNormalization layer runs
 * outside training (model.predict, evaluate) with its moving mean and variance, and what TF.js's
 * batchNorm op runs everywhere. The wasm backend's kernel computes
 * offset + (x − mean)·scale/√(variance + ε) entry by entry, a square root and a division each:
 * about half of MobileNet's evaluation time (bench/kernels.md).
 *
 * Per channel the map is x·a + b, a = scale/√(variance + ε) and b = offset − mean·a, so these are
 * computed once per channel (in float64, then rounded to float32) and x goes through XNNPACK's
 * multiply and add against rows of the tiled factors: about 0.5 ns an entry against the kernel's
 * 4 (bench/kernels.md). A plain JS multiply-add loop over the heap was measured at 3–5 ns an entry,
 * no faster than the backend's kernel. The values are the backend's to float32 rounding (b's
 * rounding is of the order of mean·a's ulp, which outputs of a few standard deviations keep far
 * below 1e-6 relative).
 *
 * Taken: float32 x of any rank with mean, variance and the optional offset and scale each of its
 * last dimension's size (the backend's kernel cycles each parameter by its own size; [C] and
 * [1, 1, 1, C] alike). Everything else goes to the backend's kernel.
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { MIN_ROW, tileCount } from './add.js';
import type { KernelOverride } from './override.js';
import { type KernelArgs, release, runWasmKernel, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.FusedBatchNorm;

/** The per-channel values `count` times end to end, as a new float32 backend buffer. */
function tiledRow(backend: BackendWasm, values: Float64Array, count: number): tf.TensorInfo {
  const channels = values.length;
  const row = backend.makeOutput([count * channels], 'float32');
  const to = backend.typedArrayFromHeap(row) as Float32Array;
  to.set(values);
  // Doubling copies: log2(count) memmoves.
  for (let filled = channels; filled < to.length; filled *= 2) to.copyWithin(filled, 0, Math.min(filled, to.length - filled));
  return row;
}

function fusedBatchNormFast(args: KernelArgs): tf.TensorInfo | null {
  const { x, mean, variance, offset, scale } = args.inputs;
  if (x === undefined || mean === undefined || variance === undefined || x.shape.length === 0) return null;
  const channels = x.shape[x.shape.length - 1]!;
  const parameters = [mean, variance, offset, scale].filter((p) => p !== undefined);
  if (x.dtype !== 'float32' || parameters.some((p) => p.dtype !== 'float32' || tf.util.sizeFromShape(p.shape) !== channels)) return null;
  const epsilon = args.attrs?.['varianceEpsilon'];
  const n = tf.util.sizeFromShape(x.shape);
  if (typeof epsilon !== 'number' || n === 0) return null;

  const backend = wasmBackendOf(args);
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
  // x viewed as rows of k·C entries times, then plus, a row of k copies of a, of b: XNNPACK's
  // multiply and add, which run a row at a time (add.ts says why rows of C alone are slow).
  const rows = n / channels;
  const k = channels >= MIN_ROW ? 1 : tileCount(rows, channels);
  const shape = [rows / k, k * channels];
  const factors = tiledRow(backend, a, k);
  const shifts = tiledRow(backend, b, k);
  let product: tf.TensorInfo | null = null;
  try {
    product = runWasmKernel(backend, tf.Multiply, { a: { dataId: x.dataId, shape, dtype: 'float32' }, b: factors }, {});
    const out = runWasmKernel(backend, tf.Add, { a: product, b: shifts }, {});
    out.shape = x.shape.slice();
    return out;
  } finally {
    for (const info of [factors, shifts, product]) if (info !== null) release(backend, info);
  }
}

export const fusedBatchNormOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: fusedBatchNormFast,
};
