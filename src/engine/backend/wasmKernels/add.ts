/**
 * Add of a tensor and a vector along its last axis: the bias add of conv and dense layers,
 * [n, h, w, c] + [c] and [n, c] + [c]. The wasm backend sends every float32 Add to XNNPACK's N-d
 * add, which runs its SIMD micro-kernel once per contiguous run of the broadcast result, i.e. once
 * per row of c entries; with LeNet's c = 6 each entry costs about fifteen times what it does in an
 * Add of equal shapes.
 *
 * So the vector is tiled k times into a row of k·c entries, k a divisor of the row count R, and
 * the backend's Add runs on x viewed as [R / k, k·c] plus that row: the same sums, in rows long
 * enough for the micro-kernel, about ten times faster for conv1's bias add. A plain JS loop was
 * measured too slow to be worth it. Where R has no divisor giving a long enough row (R prime,
 * say), the tile is as large as x. Values are XNNPACK's float32 sums, which are the cpu backend's
 * exactly (one rounded float32 add per entry either way).
 *
 * Every other Add (equal shapes, which XNNPACK already runs at full speed, other broadcasts, other
 * dtypes) goes to the backend's kernel. Measurements: bench/kernels.md.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import type { KernelOverride } from './override.js';
import { type KernelArgs, release, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.Add;

/** Longest tiled row (entries): enough to amortise the per-row cost, small enough to stay in cache. */
const MAX_ROW = 4096;
/** Shortest tiled row worth the per-row cost; below it the tile spans all of x instead. */
export const MIN_ROW = 256;
/**
 * Fewer rows than this go to the backend's kernel: the tile's allocation outweighs the rows' cost
 * there (measured: bench/kernels.md).
 */
const MIN_ROWS = 128;

/** Whether `small` is [1, …, 1, c] (any rank up to big's) with c = big's last dimension, c > 1. */
function isLastAxisVector(small: readonly number[], big: readonly number[]): boolean {
  const rank = big.length;
  if (small.length < 1 || small.length > rank || rank < 2) return false;
  const channels = big[rank - 1]!;
  if (small[small.length - 1] !== channels || channels < 2) return false;
  for (let i = 0; i < small.length - 1; i++) if (small[i] !== 1) return false;
  return true;
}

/**
 * How many copies of a vector of `channels` make one row: the largest divisor of `rows` that fits
 * MAX_ROW (or all rows, when no divisor makes a row of MIN_ROW). Also fusedBatchNorm.ts's.
 */
export function tileCount(rows: number, channels: number): number {
  for (let k = Math.min(rows, Math.floor(MAX_ROW / channels)); k > 1; k--) {
    if (rows % k === 0) return k * channels >= MIN_ROW ? k : rows;
  }
  return rows;
}

/** The vector's `count` copies end to end, as a new backend buffer of shape [count·c]. */
function tiled(backend: BackendWasm, vector: tf.TensorInfo, count: number): tf.TensorInfo {
  const channels = vector.shape[vector.shape.length - 1]!;
  const out = backend.makeOutput([count * channels], 'float32');
  // Views after the allocation above: a heap growth detaches older views.
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.set(backend.typedArrayFromHeap(vector));
  // Doubling copies: log2(count) memmoves instead of count small ones.
  for (let filled = channels; filled < dst.length; filled *= 2) dst.copyWithin(filled, 0, Math.min(filled, dst.length - filled));
  return out;
}

function addFast(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo | null {
  const a = args.inputs['a'];
  const b = args.inputs['b'];
  if (a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  // Add commutes: whichever operand is the vector, out[i] = big[i] + vector[i mod c].
  let big: tf.TensorInfo;
  let vector: tf.TensorInfo;
  if (isLastAxisVector(b.shape, a.shape)) {
    [big, vector] = [a, b];
  } else if (isLastAxisVector(a.shape, b.shape)) {
    [big, vector] = [b, a];
  } else {
    return null;
  }
  const channels = big.shape[big.shape.length - 1]!;
  const rows = tf.util.sizeFromShape(big.shape) / channels;
  // Rows of MIN_ROW entries or more already suit the backend's kernel.
  if (rows < MIN_ROWS || channels >= MIN_ROW) return null;

  const backend = wasmBackendOf(args);
  const k = tileCount(rows, channels);
  const row = tiled(backend, vector, k);
  try {
    // Same buffers, other shapes: the backend's Add reads shapes from the infos it is given.
    const out = original({
      inputs: { a: { dataId: big.dataId, shape: [rows / k, k * channels], dtype: 'float32' }, b: row },
      backend,
      attrs: {},
    }) as tf.TensorInfo; // Add has one output.
    out.shape = big.shape.slice();
    return out;
  } finally {
    release(backend, row);
  }
}

export const addOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: addFast,
};
