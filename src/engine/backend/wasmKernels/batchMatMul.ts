/**
 * BatchMatMul with transposeA or transposeB, as an explicit transpose followed by the backend's
 * untransposed product. The wasm backend sends transposed products to a scalar loop, over ten
 * times slower for a dense layer's two gradient products in LeNet (xᵀ·dy and dy·Wᵀ) than the
 * untransposed XNNPACK product, beside which the transpose costs little. Measurements:
 * bench/kernels.md.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import type { KernelOverride } from './override.js';
import { type KernelArgs, release, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.BatchMatMul;

/** x [..., r, c] → [..., c, r], as a new backend buffer. */
function transposeLastTwo(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const shape = x.shape.slice();
  const rank = shape.length;
  const rows = shape[rank - 2]!;
  const cols = shape[rank - 1]!;
  shape[rank - 2] = cols;
  shape[rank - 1] = rows;
  const out = backend.makeOutput(shape, 'float32');
  // Views after the allocation above: a heap growth detaches older views.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const plane = rows * cols;
  const batches = plane === 0 ? 0 : src.length / plane;
  for (let n = 0, base = 0; n < batches; n++, base += plane) {
    for (let r = 0; r < rows; r++) {
      const from = base + r * cols;
      for (let c = 0, to = base + r; c < cols; c++, to += rows) dst[to] = src[from + c]!;
    }
  }
  return out;
}

function batchMatMulFast(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo | null {
  const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (!attrs.transposeA && !attrs.transposeB) return null;
  const a = args.inputs['a'];
  const b = args.inputs['b'];
  if (a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;

  const backend = wasmBackendOf(args);
  const temps: tf.TensorInfo[] = [];
  try {
    const aa = attrs.transposeA ? transposeLastTwo(backend, a) : a;
    if (aa !== a) temps.push(aa);
    const bb = attrs.transposeB ? transposeLastTwo(backend, b) : b;
    if (bb !== b) temps.push(bb);
    // BatchMatMul has one output.
    return original({ inputs: { a: aa, b: bb }, backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
  } finally {
    for (const t of temps) release(backend, t);
  }
}

export const batchMatMulOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: batchMatMulFast,
};
