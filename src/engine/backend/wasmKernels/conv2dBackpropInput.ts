/**
 * Conv2DBackpropInput as forward convolutions, run by the backend's XNNPACK Conv2D.
 *
 * At stride 1: dx = conv2d(dy, W', pad = (KH − 1 − padTop, KW − 1 − padLeft, …)), where
 * W'[kh, kw, co, ci] = W[KH − 1 − kh, KW − 1 − kw, ci, co] (the filter rotated by 180° with its
 * channel axes swapped).
 *
 * At stride s > 1, dx's rows fall into s phases by r mod s (its columns likewise): a row r = s·i + p
 * receives dy row oh through tap kh only where s·oh + kh − padTop = r, so only the taps
 * kh ≡ p + padTop (mod s) reach phase p, each from dy row i + (p + padTop − kh)/s. Each of the s × s
 * phases is thus a stride-1 convolution of dy itself with its own taps of W' (a phase no tap reaches
 * is zero), and the phases are interleaved into dx. That is exactly the gradient's multiply-adds;
 * the convolution of dy dilated by s (s − 1 zeros between entries) that served before did s² times
 * as many, three quarters of them on zeros at stride 2 (measured: bench/kernels.md).
 *
 * The wasm backend's own kernel is a scalar loop, several times slower than either. Geometries that
 * would need a negative padding before dy (XNNPACK takes none) go to it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import type { KernelOverride } from './override.js';
import { cropNhwc, type KernelArgs, release, runWasmKernel, shape4, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.Conv2DBackpropInput;

/** One phase along one axis: which dx rows, which taps, and the stride-1 convolution's padding. */
export interface AxisPhase {
  /** dx rows p, p + s, …: how many. */
  readonly count: number;
  /** The filter taps reaching the phase, in the order of the phase filter's rows (kh descending). */
  readonly taps: readonly number[];
  readonly padBefore: number;
  /** Negative: that many trailing dy rows are never read (cropped, XNNPACK takes no negative padding). */
  readonly padAfter: number;
}

/**
 * The phase p of one axis of a convolution of `inSize` rows to `outSize` (dy's), filter `kernel`,
 * stride `stride`, padding `padBefore`; null when its convolution would need dy rows cut from the front.
 */
export function axisPhase(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number, p: number): AxisPhase | null {
  const count = Math.max(0, Math.ceil((inSize - p) / stride));
  const taps: number[] = [];
  // kh ≡ p + padBefore (mod stride), largest first: it reads the earliest dy row.
  for (let kh = kernel - 1; kh >= 0; kh--) if ((((p + padBefore - kh) % stride) + stride) % stride === 0) taps.push(kh);
  if (taps.length === 0) return { count, taps, padBefore: 0, padAfter: 0 };
  const first = (p + padBefore - taps[0]!) / stride; // the dy row read for dx row p by the first tap
  if (first > 0) return null;
  // 0 − first, not −first: a phase starting at dy row 0 pads by 0, not −0.
  return { count, taps, padBefore: 0 - first, padAfter: count + taps.length - 1 + first - outSize };
}

/** The phase filter [taps, taps, co, ci] from W [KH, KW, ci, co]: the phase's taps, rotated, channels swapped. */
function phaseFilter(backend: BackendWasm, filter: tf.TensorInfo, rows: AxisPhase, cols: AxisPhase): tf.TensorInfo {
  const [, kw, ci, co] = shape4(filter, `${KERNEL} filter`);
  const out = backend.makeOutput([rows.taps.length, cols.taps.length, co, ci], 'float32');
  // Views after the allocation above: a heap growth detaches older views.
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const inner = ci * co;
  let to = 0;
  for (const kh of rows.taps) {
    for (const kwTap of cols.taps) {
      const from = (kh * kw + kwTap) * inner;
      for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) dst[to++] = src[from + i * co + o]!;
    }
  }
  return out;
}

/** The phase's stride-1 convolution of dy: [b, rows.count, cols.count, ci]. */
function phaseConvolution(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, rows: AxisPhase, cols: AxisPhase): tf.TensorInfo {
  const [, outHeight, outWidth] = shape4(dy, `${KERNEL} dy`);
  const temps: tf.TensorInfo[] = [];
  try {
    const w = phaseFilter(backend, filter, rows, cols);
    temps.push(w);
    let input = dy;
    if (rows.padAfter < 0 || cols.padAfter < 0) {
      input = cropNhwc(backend, dy, outHeight + Math.min(0, rows.padAfter), outWidth + Math.min(0, cols.padAfter));
      temps.push(input);
    }
    const pad = [
      [0, 0],
      [rows.padBefore, Math.max(0, rows.padAfter)],
      [cols.padBefore, Math.max(0, cols.padAfter)],
      [0, 0],
    ];
    return runWasmKernel(backend, 'Conv2D', { x: input, filter: w }, { strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC' });
  } finally {
    for (const t of temps) release(backend, t);
  }
}

/** Writes a phase's [b, n, m, c] result into dx [b, H, W, c] at rows p + s·i, columns q + t·j. */
function interleave(dx: Float32Array, part: Float32Array, dxShape: readonly number[], n: number, m: number, p: number, q: number, s: number, t: number): void {
  const [batch, height, width, c] = dxShape as [number, number, number, number];
  let from = 0;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      let to = ((b * height + p + s * i) * width + q) * c;
      for (let j = 0; j < m; j++, to += t * c) for (let k = 0; k < c; k++) dx[to + k] = part[from++]!;
    }
  }
}

function conv2dBackpropInputFast(args: KernelArgs): tf.TensorInfo | null {
  const dy = args.inputs['dy'];
  const filter = args.inputs['filter'];
  if (dy === undefined || filter === undefined) return null;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (attrs.dataFormat === 'NCHW') return null;
  const g = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    shape4(filter, `${KERNEL} filter`),
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (!tf.util.arraysEqual(dy.shape, g.outShape)) return null;
  if (g.outHeight <= 0 || g.outWidth <= 0) return null;
  const { strideHeight: sh, strideWidth: sw } = g;
  const rowPhases = Array.from({ length: sh }, (_, p) => axisPhase(g.inHeight, g.outHeight, g.filterHeight, sh, g.padInfo.top, p));
  const colPhases = Array.from({ length: sw }, (_, q) => axisPhase(g.inWidth, g.outWidth, g.filterWidth, sw, g.padInfo.left, q));
  if (rowPhases.some((r) => r === null) || colPhases.some((c) => c === null)) return null;

  const backend = wasmBackendOf(args);
  const rows = rowPhases as AxisPhase[];
  const cols = colPhases as AxisPhase[];
  // Stride 1: the one phase is dx itself.
  if (sh === 1 && sw === 1) return rows[0]!.taps.length === 0 || cols[0]!.taps.length === 0 ? null : phaseConvolution(backend, dy, filter, rows[0]!, cols[0]!);
  const dxShape = [...attrs.inputShape];
  const dx = backend.makeOutput(dxShape, 'float32');
  try {
    if (rows.some((r) => r.taps.length === 0) || cols.some((c) => c.taps.length === 0)) (backend.typedArrayFromHeap(dx) as Float32Array).fill(0);
    for (const [p, r] of rows.entries()) {
      for (const [q, c] of cols.entries()) {
        if (r.count === 0 || c.count === 0 || r.taps.length === 0 || c.taps.length === 0) continue;
        const part = phaseConvolution(backend, dy, filter, r, c);
        // Views after the phase's allocations.
        interleave(backend.typedArrayFromHeap(dx) as Float32Array, backend.typedArrayFromHeap(part) as Float32Array, dxShape, r.count, c.count, p, q, sh, sw);
        release(backend, part);
      }
    }
  } catch (error) {
    release(backend, dx);
    throw error;
  }
  return dx;
}

export const conv2dBackpropInputOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: (args) => conv2dBackpropInputFast(args),
};
