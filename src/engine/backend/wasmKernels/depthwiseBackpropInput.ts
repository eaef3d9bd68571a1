/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend, which ships without it.
 *
 *   dx[b, ih, iw, c] = Σ_{kh, kw, m} dy[b, oh, ow, c·M + m] · w[kh, kw, c, m]
 *   over the (oh, ow) with oh·s + kh·d − padTop = ih and ow·s + kw·d − padLeft = iw.
 *
 * Written as a gather (one pass per input pixel) rather than a scatter, so every dx entry is
 * summed once in float64 and written once; a direct loop suffices because depthwise layers are
 * rarely the hot spot of the models we train.
 */
import * as tf from '@tensorflow/tfjs';

import { EngineError } from '../../../errors.js';
import { type KernelArgs, requireInput, shape4, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.DepthwiseConv2dNativeBackpropInput;

/** The output row (or column) whose tap `k` reads input row `i`, or -1 if none does. */
function sourceIndex(i: number, k: number, stride: number, dilation: number, padBefore: number, outSize: number): number {
  const t = i + padBefore - k * dilation;
  if (t < 0 || t % stride !== 0) return -1;
  const o = t / stride;
  return o < outSize ? o : -1;
}

function depthwiseBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = wasmBackendOf(args);
  const dyInfo = requireInput(args, 'dy', KERNEL);
  const filterInfo = requireInput(args, 'filter', KERNEL);
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const g = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    shape4(filterInfo, `${KERNEL} filter`),
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

  const out = backend.makeOutput(attrs.inputShape, 'float32');
  // Views after the allocation above: a heap growth detaches older views.
  const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;
  const w = backend.typedArrayFromHeap(filterInfo) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const sums = new Float64Array(inChannels);

  for (let b = 0; b < batchSize; b++) {
    for (let ih = 0; ih < inHeight; ih++) {
      for (let iw = 0; iw < inWidth; iw++) {
        sums.fill(0);
        for (let kh = 0; kh < filterHeight; kh++) {
          const oh = sourceIndex(ih, kh, strideHeight, dilationHeight, top, outHeight);
          if (oh < 0) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const ow = sourceIndex(iw, kw, strideWidth, dilationWidth, left, outWidth);
            if (ow < 0) continue;
            const dyAt = ((b * outHeight + oh) * outWidth + ow) * outChannels;
            const wAt = (kh * filterWidth + kw) * outChannels;
            if (multiplier === 1) {
              for (let c = 0; c < inChannels; c++) sums[c]! += dy[dyAt + c]! * w[wAt + c]!;
            } else {
              for (let c = 0; c < inChannels; c++) {
                const j0 = c * multiplier;
                let s = 0;
                for (let m = 0; m < multiplier; m++) s += dy[dyAt + j0 + m]! * w[wAt + j0 + m]!;
                sums[c]! += s;
              }
            }
          }
        }
        dx.set(sums, ((b * inHeight + ih) * inWidth + iw) * inChannels);
      }
    }
  }
  return out;
}

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};
