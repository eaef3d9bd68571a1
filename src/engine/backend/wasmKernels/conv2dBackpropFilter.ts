/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it (LeNet training fails there).
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh·d − padTop, ow·s + kw·d − padLeft, ci] · dy[b, oh, ow, co]
 *
 * Two formulations, both running the arithmetic in XNNPACK, chosen per geometry:
 *
 * - Swapped convolution (below): dW is itself a forward convolution once batch and channels swap
 *   places: input x' = x as [ci, H, W, b], filter dy' = dy as [OH, OW, b, co], stride' = dilation,
 *   dilation' = stride. DESIGN.md measured it at about twice the speed of slice + matmul. The wasm
 *   Conv2D accepts explicit pads and stride > 1 together with dilation > 1, which the swapped
 *   geometry needs whenever the original convolution is strided.
 * - im2col + matmul (conv2dFilterIm2col.ts): the patch matrix P [KH·KW·ci, b·OH·OW] built in JS,
 *   times dy read as [b·OH·OW, co].
 *
 * Both pay the same floor: XNNPACK packs the big operand (dy, b·OH·OW × co entries) into a new
 * operator on every call, which costs more than the product itself. Beyond it, im2col pays for P
 * in JS (cheapest where ci = 1 makes P's rows runs of x, and at stride 1, where most of a 3×3
 * filter's P are copies within P), the swapped convolution for its transposes and for a
 * convolution over a huge kernel. Measured over geometries (bench/kernels.md has the table), im2col
 * wins where P is cheap to build: so it takes one input channel always, and up to four when the
 * rows are reused (the row stride divides the row dilation, the filter is more than one row high);
 * the swapped convolution takes the rest. In LeNet: im2col for conv1, swapped for conv2.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { EngineError } from '../../../errors.js';
import { im2colFilterGradient } from './conv2dFilterIm2col.js';
import type { FilterGradientGeometry } from './filterGradientGeometry.js';
import {
  cropNhwc,
  type KernelArgs,
  release,
  requireInput,
  runWasmKernel,
  shape4,
  wasmBackendOf,
} from './wasmOps.js';

const KERNEL = tf.Conv2DBackpropFilter;

/**
 * How much of one spatial axis of x the swapped convolution reads, and the padding after it that
 * makes its output exactly `kernel` long. Rows past the last filter tap are cropped instead,
 * because XNNPACK takes no negative padding.
 */
function axisPlan(
  inSize: number,
  outSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  padBefore: number,
): { keep: number; padAfter: number } {
  // One past the last row of x (from row 0) that any (output, tap) pair touches.
  const reach = (kernel - 1) * dilation + (outSize - 1) * stride + 1 - padBefore;
  return reach >= inSize ? { keep: inSize, padAfter: reach - inSize } : { keep: reach, padAfter: 0 };
}

/** The filter gradient [KH, KW, ci, co] as the swapped forward convolution (see the header). */
export function swappedFilterGradient(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: FilterGradientGeometry,
): tf.TensorInfo {
  const [, inHeight, inWidth, inChannels] = shape4(x, `${KERNEL} x`);
  const outChannels = shape4(dy, `${KERNEL} dy`)[3];
  const { top, left } = g.padInfo;
  const rows = axisPlan(inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.dilationHeight, top);
  const cols = axisPlan(inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.dilationWidth, left);

  if (rows.keep <= 0 || cols.keep <= 0) {
    // Every filter tap lands in padding: the gradient is zero (and XNNPACK rejects empty input).
    const zeros = backend.makeOutput([g.filterHeight, g.filterWidth, inChannels, outChannels], 'float32');
    (backend.typedArrayFromHeap(zeros) as Float32Array).fill(0);
    return zeros;
  }

  const temps: tf.TensorInfo[] = [];
  try {
    let input = x;
    if (rows.keep < inHeight || cols.keep < inWidth) {
      input = cropNhwc(backend, x, rows.keep, cols.keep);
      temps.push(input);
    }
    const xSwapped = runWasmKernel(backend, 'Transpose', { x: input }, { perm: [3, 1, 2, 0] });
    temps.push(xSwapped);
    const dySwapped = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    temps.push(dySwapped);
    const product = runWasmKernel(
      backend,
      'Conv2D',
      { x: xSwapped, filter: dySwapped },
      {
        strides: [g.dilationHeight, g.dilationWidth],
        dilations: [g.strideHeight, g.strideWidth],
        pad: [
          [0, 0],
          [top, rows.padAfter],
          [left, cols.padAfter],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    temps.push(product);
    // product is [ci, KH, KW, co]; TF.js filters are [KH, KW, ci, co].
    return runWasmKernel(backend, 'Transpose', { x: product }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temps) release(backend, t);
  }
}

/** Most input channels for which im2col, with its rows reused, beat the swapped convolution. */
const IM2COL_MAX_CHANNELS = 4;

/** Whether im2col + matmul is the faster formulation for this geometry (measured: bench/kernels.md). */
export function prefersIm2col(inChannels: number, g: Pick<FilterGradientGeometry, 'filterHeight' | 'strideHeight' | 'dilationHeight'>): boolean {
  if (inChannels === 1) return true;
  const rowsReused = g.filterHeight > 1 && g.dilationHeight % g.strideHeight === 0;
  return rowsReused && inChannels <= IM2COL_MAX_CHANNELS;
}

/**
 * The filter gradient [KH, KW, ci, co] of an NHWC convolution, from x [b, H, W, ci] and
 * dy [b, OH, OW, co], by whichever formulation is faster for the geometry. Takes dilation from the
 * geometry, although TF.js never asks for the gradient of a dilated conv2d, so that the general
 * case stays testable.
 */
export function conv2dFilterGradient(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: FilterGradientGeometry,
): tf.TensorInfo {
  const inChannels = shape4(x, `${KERNEL} x`)[3];
  return prefersIm2col(inChannels, g) ? im2colFilterGradient(backend, x, dy, g) : swappedFilterGradient(backend, x, dy, g);
}

function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = wasmBackendOf(args);
  const x = requireInput(args, 'x', KERNEL);
  const dy = requireInput(args, 'dy', KERNEL);
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') {
    // The wasm Conv2D itself is NHWC-only, so no NCHW model can reach this gradient on wasm.
    throw new EngineError('WASM_NCHW_UNSUPPORTED', `${KERNEL} on the wasm backend supports dataFormat NHWC only`);
  }
  // Dilation is 1: the attrs of this kernel carry none (TF.js refuses gradients of dilated conv2d).
  const info = tf.backend_util.computeConv2DInfo(
    shape4(x, `${KERNEL} x`),
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [dyBatch, dyHeight, dyWidth, dyChannels] = shape4(dy, `${KERNEL} dy`);
  const [batch, outHeight, outWidth, outChannels] = info.outShape;
  if (dyBatch !== batch || dyHeight !== outHeight || dyWidth !== outWidth || dyChannels !== outChannels) {
    throw new EngineError(
      'WASM_KERNEL_INPUT',
      `${KERNEL}: dy has shape [${dy.shape.join(', ')}], the convolution gives [${info.outShape.join(', ')}]`,
    );
  }
  return conv2dFilterGradient(backend, x, dy, info);
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
