/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it (LeNet training fails there).
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh·d − padTop, ow·s + kw·d − padLeft, ci] · dy[b, oh, ow, co]
 *
 * is itself a forward convolution once batch and channels swap places: input x' = x as
 * [ci, H, W, b], filter dy' = dy as [OH, OW, b, co], stride' = dilation, dilation' = stride. So the
 * work runs in the backend's XNNPACK Conv2D instead of a JavaScript loop; DESIGN.md measured this
 * at about twice the speed of the slice + matmul formulation. Measured here too: the wasm Conv2D
 * accepts explicit pads and stride > 1 together with dilation > 1, which the swapped geometry
 * needs whenever the original convolution is strided.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { EngineError } from '../../../errors.js';
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

/** The geometry this gradient needs, as computed by `tf.backend_util.computeConv2DInfo`. */
export type FilterGradientGeometry = Pick<
  tf.backend_util.Conv2DInfo,
  | 'filterHeight'
  | 'filterWidth'
  | 'strideHeight'
  | 'strideWidth'
  | 'dilationHeight'
  | 'dilationWidth'
  | 'outHeight'
  | 'outWidth'
  | 'padInfo'
>;

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

/**
 * The filter gradient [KH, KW, ci, co] of an NHWC convolution, from x [b, H, W, ci] and
 * dy [b, OH, OW, co]. Takes dilation from the geometry, although TF.js never asks for the gradient of
 * a dilated conv2d, so that the general case stays testable.
 */
export function conv2dFilterGradient(
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
