/**
 * The conv2d filter gradient as im2col + matmul, one of the two formulations conv2dBackpropFilter.ts
 * chooses between (its header says when; bench/kernels.md has the measurements):
 *
 *   dW [K, co] = P [K, M] · dy [M, co],   K = KH·KW·ci, M = b·OH·OW,
 *   P[(kh·KW + kw)·ci + c, (b·OH + oh)·OW + ow] = x[b, oh·s + kh·d − top, ow·s + kw·d − left, c]  (0 in padding)
 *
 * P is built directly in that (already transposed) layout over the wasm heap, dy [b, OH, OW, co] is
 * read as [M, co] unchanged, and the product, [K, co], is already dW's [KH, KW, ci, co] layout. The
 * product runs in the backend's untransposed BatchMatMul, which is XNNPACK's fully-connected
 * operator with b as its packed weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import type { FilterGradientGeometry } from './filterGradientGeometry.js';
import { release, runWasmKernel, shape4 } from './wasmOps.js';

type Shape4 = readonly [number, number, number, number];

/** Most entries of P built at once (16 MB); larger products are chunked over the batch and summed. */
export const MAX_PATCH_ENTRIES = 4 * 1024 * 1024;

/** The output positions [lo, hi) whose input position o·stride + offset lies in [0, size). */
function insideRange(outSize: number, stride: number, offset: number, size: number): [number, number] {
  const lo = Math.min(outSize, offset >= 0 ? 0 : Math.ceil(-offset / stride));
  const hi = offset > size - 1 ? 0 : Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Fills p, a view of P [K, (b1 − b0)·OH·OW], with the patches of images [b0, b1) of x.
 *
 * When the row stride divides the row dilation (stride 1 always), tap row kh + 1 reads, at output
 * row oh, the input row that tap row kh reads at output row oh + d/s. So for kh > 0 all but the last
 * d/s output rows of each image are one memmove from the P row of tap kh − 1, and only those last
 * rows are read from x: for a 3×3 filter two thirds of P come from memmoves.
 */
function fillPatches(p: Float32Array, x: Float32Array, xShape: Shape4, b0: number, b1: number, g: FilterGradientGeometry): void {
  const [, inHeight, inWidth, inChannels] = xShape;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, outHeight, outWidth } = g;
  const { top, left } = g.padInfo;
  const perImage = outHeight * outWidth;
  const m = (b1 - b0) * perImage;
  const colStep = strideWidth * inChannels;
  const shift = dilationHeight % strideHeight === 0 ? dilationHeight / strideHeight : outHeight;
  const reused = Math.max(0, outHeight - shift) * outWidth;
  // p and x are views of the same wasm heap: copyWithin on the whole heap moves runs between them.
  const heap = new Float32Array(p.buffer);
  const pBase = p.byteOffset / Float32Array.BYTES_PER_ELEMENT;
  const xBase = x.byteOffset / Float32Array.BYTES_PER_ELEMENT;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const colOffset = kw * dilationWidth - left;
      const [lo, hi] = insideRange(outWidth, strideWidth, colOffset, inWidth);
      for (let c = 0; c < inChannels; c++) {
        const row = ((kh * filterWidth + kw) * inChannels + c) * m;
        for (let b = b0; b < b1; b++) {
          const image = row + (b - b0) * perImage;
          let first = 0;
          if (kh > 0 && reused > 0) {
            const previous = image - filterWidth * inChannels * m;
            p.copyWithin(image, previous + shift * outWidth, previous + perImage);
            first = outHeight - shift;
          }
          for (let oh = first, at = image + first * outWidth; oh < outHeight; oh++, at += outWidth) {
            const ih = oh * strideHeight + kh * dilationHeight - top;
            if (ih < 0 || ih >= inHeight) {
              p.fill(0, at, at + outWidth);
              continue;
            }
            // The heap is reused memory: padding entries must be written, not assumed zero.
            if (lo > 0) p.fill(0, at, at + lo);
            if (hi < outWidth) p.fill(0, at + hi, at + outWidth);
            let from = ((b * inHeight + ih) * inWidth + lo * strideWidth + colOffset) * inChannels + c;
            if (colStep === 1) {
              // A contiguous run (ci = 1, stride 1): one memmove, measured ~2× the element loop.
              heap.copyWithin(pBase + at + lo, xBase + from, xBase + from + hi - lo);
              continue;
            }
            for (let ow = lo; ow < hi; ow++, from += colStep) p[at + ow] = x[from]!;
          }
        }
      }
    }
  }
}

/** P · dy for images [b0, b1): a new [1, K, co] buffer. */
function chunkProduct(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  b0: number,
  b1: number,
  g: FilterGradientGeometry,
): tf.TensorInfo {
  const xShape = shape4(x, 'Conv2DBackpropFilter x');
  const outChannels = shape4(dy, 'Conv2DBackpropFilter dy')[3];
  const k = g.filterHeight * g.filterWidth * xShape[3];
  const dyPerImage = g.outHeight * g.outWidth * outChannels;
  const m = (b1 - b0) * g.outHeight * g.outWidth;
  const temps: tf.TensorInfo[] = [];
  try {
    const patches = backend.makeOutput([1, k, m], 'float32');
    temps.push(patches);
    // dy's rows for these images, copied (a memcpy) into a buffer of its own: the backend's
    // BatchMatMul caches its XNNPACK operator, b packed inside, under b's id until b is freed, so a
    // later product whose b is dy, or a reshape of dy sharing its id, would reuse it whatever its shape.
    const rows = backend.makeOutput([1, m, outChannels], 'float32');
    temps.push(rows);
    // Views after both allocations: a heap growth detaches older views.
    const xView = backend.typedArrayFromHeap(x) as Float32Array;
    fillPatches(backend.typedArrayFromHeap(patches) as Float32Array, xView, xShape, b0, b1, g);
    const dyView = backend.typedArrayFromHeap(dy) as Float32Array;
    (backend.typedArrayFromHeap(rows) as Float32Array).set(dyView.subarray(b0 * dyPerImage, b1 * dyPerImage));
    return runWasmKernel(backend, 'BatchMatMul', { a: patches, b: rows }, { transposeA: false, transposeB: false });
  } finally {
    for (const t of temps) release(backend, t);
  }
}

/**
 * The filter gradient [KH, KW, ci, co] from x [b, H, W, ci] and dy [b, OH, OW, co], as P · dy, in
 * chunks of whole images whose P has at most `maxPatchEntries` entries (at least one image each).
 */
export function im2colFilterGradient(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: FilterGradientGeometry,
  maxPatchEntries: number = MAX_PATCH_ENTRIES,
): tf.TensorInfo {
  const [batch, , , inChannels] = shape4(x, 'Conv2DBackpropFilter x');
  const outChannels = shape4(dy, 'Conv2DBackpropFilter dy')[3];
  const filterShape = [g.filterHeight, g.filterWidth, inChannels, outChannels];
  const k = g.filterHeight * g.filterWidth * inChannels;
  const perImage = g.outHeight * g.outWidth;
  if (batch === 0 || perImage === 0 || k === 0 || outChannels === 0) {
    const zeros = backend.makeOutput(filterShape, 'float32');
    (backend.typedArrayFromHeap(zeros) as Float32Array).fill(0);
    return zeros;
  }
  const imagesPerChunk = Math.max(1, Math.min(batch, Math.floor(maxPatchEntries / (k * perImage))));

  let sum = chunkProduct(backend, x, dy, 0, imagesPerChunk, g);
  try {
    for (let b0 = imagesPerChunk; b0 < batch; b0 += imagesPerChunk) {
      const part = chunkProduct(backend, x, dy, b0, Math.min(batch, b0 + imagesPerChunk), g);
      // Views after the part's allocation.
      const acc = backend.typedArrayFromHeap(sum) as Float32Array;
      const add = backend.typedArrayFromHeap(part) as Float32Array;
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + add[i]!;
      release(backend, part);
    }
  } catch (error) {
    release(backend, sum);
    throw error;
  }
  // The [1, K, co] buffer is dW's [KH, KW, ci, co] layout; only its shape changes.
  sum = { ...sum, shape: filterShape };
  return sum;
}
