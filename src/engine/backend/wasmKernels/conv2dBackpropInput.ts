/**
 * Conv2DBackpropInput as a forward convolution, run by the backend's XNNPACK Conv2D:
 *
 *   dx = conv2d(dy↑s, W', pad = (KH − 1 − padTop, KW − 1 − padLeft, …))
 *
 * where W'[kh, kw, co, ci] = W[KH − 1 − kh, KW − 1 − kw, ci, co] (the filter rotated by 180° with its
 * channel axes swapped) and dy↑s is dy with s − 1 zeros between entries for stride s (dy itself
 * for stride 1). The wasm backend's own kernel is a scalar loop, several times slower than this
 * way for LeNet's conv2 input gradient (bench/kernels.md). Geometries that would need a negative
 * padding (XNNPACK takes none) go to the backend's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import type { KernelOverride } from './override.js';
import { type KernelArgs, release, runWasmKernel, shape4, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.Conv2DBackpropInput;

/** The filter [KH, KW, ci, co] rotated by 180° and transposed to [KH, KW, co, ci]. */
function flippedFilter(backend: BackendWasm, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, ci, co] = shape4(filter, `${KERNEL} filter`);
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const taps = kh * kw;
  const inner = ci * co;
  for (let t = 0; t < taps; t++) {
    const from = (taps - 1 - t) * inner;
    const to = t * inner;
    for (let i = 0; i < ci; i++) {
      for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o]!;
    }
  }
  return out;
}

/** dy [b, OH, OW, c] with s − 1 zeros inserted between rows and between columns. */
function dilateNhwc(backend: BackendWasm, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [b, oh, ow, c] = shape4(dy, `${KERNEL} dy`);
  const h = (oh - 1) * sh + 1;
  const w = (ow - 1) * sw + 1;
  const out = backend.makeOutput([b, h, w, c], 'float32');
  const src = backend.typedArrayFromHeap(dy) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  let from = 0;
  for (let n = 0; n < b; n++) {
    for (let r = 0; r < oh; r++) {
      let to = ((n * h + r * sh) * w) * c;
      for (let col = 0; col < ow; col++, from += c, to += sw * c) dst.set(src.subarray(from, from + c), to);
    }
  }
  return out;
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
  const { inHeight, inWidth, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = g;
  const dilatedHeight = (g.outHeight - 1) * sh + 1;
  const dilatedWidth = (g.outWidth - 1) * sw + 1;
  const top = kh - 1 - g.padInfo.top;
  const left = kw - 1 - g.padInfo.left;
  // The convolution's output must be exactly inHeight × inWidth.
  const bottom = inHeight + kh - 1 - dilatedHeight - top;
  const right = inWidth + kw - 1 - dilatedWidth - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  if (g.outHeight <= 0 || g.outWidth <= 0) return null;

  const backend = wasmBackendOf(args);
  const temps: tf.TensorInfo[] = [];
  try {
    const w = flippedFilter(backend, filter);
    temps.push(w);
    let input = dy;
    if (sh > 1 || sw > 1) {
      input = dilateNhwc(backend, dy, sh, sw);
      temps.push(input);
    }
    return runWasmKernel(
      backend,
      'Conv2D',
      { x: input, filter: w },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
  } finally {
    for (const t of temps) release(backend, t);
  }
}

export const conv2dBackpropInputOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: (args) => conv2dBackpropInputFast(args),
};
