/**
 * Sum over every axis but the last, as a direct loop over the wasm heap: the bias gradients of
 * conv and dense layers ([n, h, w, c] → [c], [n, c] → [c]). The wasm backend's own Sum first
 * transposes the input so that the reduced axes are innermost (a full copy), then reduces with a
 * scalar loop; this loop, with no copy, is three to four times faster on LeNet's bias gradients
 * (bench/kernels.md).
 *
 * Each channel is summed in row order in double precision, exactly as the cpu backend sums (a JS
 * number starting at 0, rounded to float32 once), so the results equal its bit for bit. Every
 * other reduction (other axes, other dtypes) goes to the backend's kernel.
 */
import * as tf from '@tensorflow/tfjs';

import type { KernelOverride } from './override.js';
import { type KernelArgs, wasmBackendOf } from './wasmOps.js';

const KERNEL = tf.Sum;

/** Whether `axes` (already normalised to 0..rank − 1) are exactly 0..rank − 2, in any order. */
function isAllButLast(axes: readonly number[], rank: number): boolean {
  if (rank < 2 || axes.length !== rank - 1) return false;
  const seen = new Set(axes);
  if (seen.size !== rank - 1) return false;
  for (let a = 0; a < rank - 1; a++) if (!seen.has(a)) return false;
  return true;
}

/**
 * dst[c] = Σ_r src[r·channels + c], each in row order in double precision. Four channels per pass
 * in separate accumulators: the fastest of the loops measured (bench/kernels.md).
 */
export function columnSums(src: Float32Array, channels: number, dst: Float32Array): void {
  const size = src.length;
  let c = 0;
  for (; c + 4 <= channels; c += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = c; i < size; i += channels) {
      s0 += src[i]!;
      s1 += src[i + 1]!;
      s2 += src[i + 2]!;
      s3 += src[i + 3]!;
    }
    dst[c] = s0;
    dst[c + 1] = s1;
    dst[c + 2] = s2;
    dst[c + 3] = s3;
  }
  for (; c < channels; c++) {
    let s0 = 0;
    for (let i = c; i < size; i += channels) s0 += src[i]!;
    dst[c] = s0;
  }
}

function sumFast(args: KernelArgs): tf.TensorInfo | null {
  const x = args.inputs['x'];
  if (x === undefined || x.dtype !== 'float32') return null;
  const attrs = args.attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
  if (!isAllButLast(axes, rank)) return null;

  const channels = x.shape[rank - 1]!;
  const outShape = attrs.keepDims ? [...new Array<number>(rank - 1).fill(1), channels] : [channels];
  const backend = wasmBackendOf(args);
  const out = backend.makeOutput(outShape, 'float32');
  // Views after the allocation above: a heap growth detaches older views.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  columnSums(src, channels, dst);
  return out;
}

export const sumOverride: KernelOverride = {
  kernelName: KERNEL,
  fastPath: (args) => sumFast(args),
};
