/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend, which ships without it.
 *
 *   dW[kh, kw, c, m] = Σ_{b, oh, ow} x[b, oh·s + kh·d − padTop, ow·s + kw·d − padLeft, c] · dy[b, oh, ow, c·M + m]
 *
 * A direct loop over heap views: depthwise layers are rarely the hot spot of the models we train,
 * and the batch/channel swap that serves Conv2DBackpropFilter would compute (and discard) every
 * channel pair here. Sums run in float64 so that long reductions stay as exact as the cpu backend's.
 */
import * as tf from '@tensorflow/tfjs';

import { EngineError } from '../../../errors.js';
import { type KernelArgs, requireInput, shape4, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.DepthwiseConv2dNativeBackpropFilter;

function depthwiseBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = wasmBackendOf(args);
  const xInfo = requireInput(args, 'x', KERNEL);
  const dyInfo = requireInput(args, 'dy', KERNEL);
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const g = tf.backend_util.computeConv2DInfo(
    shape4(xInfo, `${KERNEL} x`),
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  if (!tf.util.arraysEqual(dyInfo.shape, g.outShape)) {
    throw new EngineError(
      'WASM_KERNEL_INPUT',
      `${KERNEL}: dy has shape [${dyInfo.shape.join(', ')}], the convolution gives [${g.outShape.join(', ')}]`,
    );
  }
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = g;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = g;
  const { top, left } = g.padInfo;
  const multiplier = outChannels / inChannels;

  // dW is [KH, KW, C, M]: tap (kh, kw) owns C·M consecutive entries, indexed like dy's channels.
  const sums = new Float64Array(filterHeight * filterWidth * outChannels);
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  // Views after the allocation above: a heap growth detaches older views.
  const x = backend.typedArrayFromHeap(xInfo) as Float32Array;
  const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;

  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight + kh * dilationHeight - top;
        if (ih < 0 || ih >= inHeight) continue;
        for (let ow = 0; ow < outWidth; ow++) {
          const dyAt = ((b * outHeight + oh) * outWidth + ow) * outChannels;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xAt = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wAt = (kh * filterWidth + kw) * outChannels;
            if (multiplier === 1) {
              for (let c = 0; c < inChannels; c++) sums[wAt + c]! += x[xAt + c]! * dy[dyAt + c]!;
            } else {
              for (let c = 0; c < inChannels; c++) {
                const xv = x[xAt + c]!;
                const j0 = c * multiplier;
                for (let m = 0; m < multiplier; m++) sums[wAt + j0 + m]! += xv * dy[dyAt + j0 + m]!;
              }
            }
          }
        }
      }
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
