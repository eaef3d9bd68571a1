/**
 * MaxPoolGrad as a direct loop over the wasm heap, with a tight path for 2×2 windows (LeNet's and
 * most CNNs' pooling). The wasm backend's own kernel took a fifth of LeNet's training step; this
 * loop runs about four times faster (bench/kernels.md).
 *
 * Each window routes its dy to the first maximum in row-major window order, as the cpu backend
 * does (strict >, starting from −∞), so ties — frequent after a ReLU — resolve the same way. The
 * backend's own kernel (tfjs-backend-wasm 4.22) does not: it routes ties to the last maximum and
 * sends the gradient of an all-negative window to its first entry whatever the maximum.
 * Overlapping windows add their contributions, as the cpu backend's.
 */
import * as tf from '@tensorflow/tfjs';

import type { KernelOverride } from './override.js';
import { type KernelArgs, shape4, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.MaxPoolGrad;

function maxPoolGradFast(args: KernelArgs): tf.TensorInfo | null {
  const dyInfo = args.inputs['dy'];
  const xInfo = args.inputs['input'];
  if (dyInfo === undefined || xInfo === undefined) return null;
  if (dyInfo.dtype !== 'float32' || xInfo.dtype !== 'float32' || xInfo.shape.length !== 4) return null;
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const g = tf.backend_util.computePool2DInfo(shape4(xInfo, `${KERNEL} input`), attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (!tf.util.arraysEqual(dyInfo.shape, g.outShape)) return null;

  const backend = wasmBackendOf(args);
  const out = backend.makeOutput(xInfo.shape.slice(), 'float32');
  // Views after the allocation above: a heap growth detaches older views.
  const x = backend.typedArrayFromHeap(xInfo) as Float32Array;
  const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  maxPoolScatter(x, dy, dx, g, false, null);
  return out;
}

/**
 * dx (zeroed first) ← each window's dy routed to the window's first maximum in x. With
 * `positiveOnly`, a window whose maximum is not above zero routes nothing: the gradient of a ReLU
 * before the pool fused in (relu'(x) = 0 there), which saves a pass over the activations. With
 * `channelSums`, Σ of dx over all but the channel axis (the bias gradient of the layer before)
 * is written there too, summed as it is routed instead of in another pass over dx.
 */
export function maxPoolScatter(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  g: tf.backend_util.Conv2DInfo,
  positiveOnly: boolean,
  channelSums: { readonly out: Float32Array; readonly offset: number } | null,
): void {
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, strideHeight: sh, strideWidth: sw } = g;
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = g;
  const { top, left } = g.padInfo;
  const rowStride = inWidth * c;
  const inside = sh >= 2 && sw >= 2 && top === 0 && left === 0 && (outHeight - 1) * sh + fh <= inHeight && (outWidth - 1) * sw + fw <= inWidth;
  // −∞ start and strict >, as the cpu backend: the first maximum wins, NaN never does. With
  // positiveOnly the start is 0: only a maximum above zero routes dy.
  const floor = positiveOnly ? 0 : Number.NEGATIVE_INFINITY;
  // Scattered below: every entry that is not a window's maximum stays zero.
  dx.fill(0);
  const sums = channelSums === null ? null : new Float64Array(c);
  if (inside && fh === 2 && fw === 2) pool2x2(x, dy, dx, batchSize, inHeight, rowStride, c, outHeight, outWidth, sh, sw, floor, sums);
  else poolAny(x, dy, dx, g, floor, sums);
  if (channelSums !== null) for (let ch = 0; ch < c; ch++) channelSums.out[channelSums.offset + ch] = sums![ch]!;
}

/** Any window and padding (overlapping windows add up). */
function poolAny(x: Float32Array, dy: Float32Array, dx: Float32Array, g: tf.backend_util.Conv2DInfo, floor: number, sums: Float64Array | null): void {
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, strideHeight: sh, strideWidth: sw } = g;
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = g;
  const { top, left } = g.padInfo;
  const rowStride = inWidth * c;
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = Math.max(0, oh * sh - top);
      const r1 = Math.min(inHeight, oh * sh - top + fh);
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = Math.max(0, ow * sw - left);
        const c1 = Math.min(inWidth, ow * sw - left + fw);
        for (let ch = 0; ch < c; ch++, o++) {
          let best = floor;
          let at = -1;
          for (let r = r0; r < r1; r++) {
            for (let col = c0; col < c1; col++) {
              const i = xBatch + r * rowStride + col * c + ch;
              const v = x[i]!;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) {
            dx[at] = dx[at]! + dy[o]!;
            if (sums !== null) sums[ch] = sums[ch]! + dy[o]!;
          }
        }
      }
    }
  }
}

/** The hot case: 2×2 windows that do not overlap (stride ≥ 2), all inside x. */
function pool2x2(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  batchSize: number,
  inHeight: number,
  rowStride: number,
  c: number,
  outHeight: number,
  outWidth: number,
  sh: number,
  sw: number,
  floor: number,
  sums: Float64Array | null,
): void {
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const row = xBatch + oh * sh * rowStride;
      for (let ow = 0; ow < outWidth; ow++) {
        const i00 = row + ow * sw * c;
        const end = i00 + c;
        for (let i = i00; i < end; i++, o++) {
          let best = floor;
          let at = -1;
          let v = x[i]!;
          if (v > best) {
            best = v;
            at = i;
          }
          v = x[i + c]!;
          if (v > best) {
            best = v;
            at = i + c;
          }
          v = x[i + rowStride]!;
          if (v > best) {
            best = v;
            at = i + rowStride;
          }
          v = x[i + rowStride + c]!;
          if (v > best) at = i + rowStride + c;
          if (at >= 0) {
            dx[at] = dy[o]!;
            if (sums !== null) sums[i - i00] = sums[i - i00]! + dy[o]!;
          }
        }
      }
    }
  }
}

export const maxPoolGradOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: (args) => maxPoolGradFast(args),
};
