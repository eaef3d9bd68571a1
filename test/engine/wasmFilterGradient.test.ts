/**
 * Both formulations of the wasm conv2d filter gradient, im2col + matmul and the swapped
 * convolution, called directly on the same geometries (whichever one the kernel would choose)
 * against the cpu backend's gradient, from the same values copied with dataSync. Dilated cases use
 * a dilation-free reference, as in wasmKernels.test.ts: a dilated filter is an ordinary filter
 * with zeros between its taps, and TF.js refuses the gradient of a dilated conv2d.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/engine/backend/select.js';
import {
  conv2dFilterGradient,
  prefersIm2col,
  swappedFilterGradient,
} from '../../src/engine/backend/wasmKernels/conv2dBackpropFilter.js';
import { im2colFilterGradient } from '../../src/engine/backend/wasmKernels/conv2dFilterIm2col.js';
import type { FilterGradientGeometry } from '../../src/engine/backend/wasmKernels/filterGradientGeometry.js';
import { expectNoTensorLeak, randomValues, relativeError, sizeOf } from '../helpers/tensors.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Formulation = (backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, g: FilterGradientGeometry) => tf.TensorInfo;

const MAX_RELATIVE_ERROR = 1e-4;

const FORMULATIONS: Record<string, Formulation> = {
  im2col: im2colFilterGradient,
  swapped: swappedFilterGradient,
  // Chunks of one image each: the accumulation over chunks.
  'im2col, chunked': (backend, x, dy, g) => im2colFilterGradient(backend, x, dy, g, 1),
};

beforeAll(async () => {
  await selectBackend('wasm');
});

interface Case {
  x: Shape4;
  w: Shape4;
  stride: number | [number, number];
  dilation: number;
  pad: Pad;
}

function label(c: Case): string {
  return `x [${c.x}], w [${c.w}], stride ${JSON.stringify(c.stride)}, dilation ${c.dilation}, pad ${JSON.stringify(c.pad)}`;
}

/** The cpu backend's dW for dy, through a zero-expanded filter when the case is dilated. */
function cpuFilterGradient(c: Case, xv: Float32Array, dyv: Float32Array, outShape: Shape4): Float32Array {
  const d = c.dilation;
  const [kh, kw, ci, co] = c.w;
  const wide: Shape4 = [(kh - 1) * d + 1, (kw - 1) * d + 1, ci, co];
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const dy = tf.tensor4d(dyv, outShape);
    const dw = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.stride, c.pad), dy)))(tf.zeros(wide));
    const values = dw.dataSync() as Float32Array;
    const taps = new Float32Array(sizeOf(c.w));
    const inner = ci * co;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const from = (i * d * wide[1] + j * d) * inner;
        taps.set(values.subarray(from, from + inner), (i * kw + j) * inner);
      }
    }
    return taps;
  });
}

/** Runs a formulation on the wasm backend and returns its values, freeing its output. */
function wasmFilterGradient(f: Formulation, c: Case, xv: Float32Array, dyv: Float32Array, g: tf.backend_util.Conv2DInfo): Float32Array {
  const backend = tf.backend() as BackendWasm;
  const x = tf.tensor4d(xv, c.x);
  const dy = tf.tensor4d(dyv, g.outShape);
  const out = f(backend, x, dy, g);
  expect(out.shape).toEqual(c.w);
  const values = (backend.readSync(out.dataId) as Float32Array).slice();
  backend.disposeData(out.dataId);
  tf.dispose([x, dy]);
  return values;
}

async function expectMatchesCpu(c: Case, seed: number): Promise<void> {
  const g = tf.backend_util.computeConv2DInfo(c.x, c.w, c.stride, c.dilation, c.pad);
  const xv = randomValues(sizeOf(c.x), seed);
  const dyv = randomValues(sizeOf(g.outShape), seed + 1);
  await tf.setBackend('cpu');
  const expected = cpuFilterGradient(c, xv, dyv, g.outShape);
  await tf.setBackend('wasm');
  for (const [name, f] of Object.entries(FORMULATIONS)) {
    const actual = wasmFilterGradient(f, c, xv, dyv, g);
    expect(relativeError(actual, expected), `${name}: ${label(c)}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
  }
}

describe('conv2d filter gradient formulations on wasm', () => {
  it('match the cpu backend over strides, paddings, odd sizes and channel counts', async () => {
    const cases: Case[] = [];
    for (const stride of [1, 2, [2, 1]] as const) {
      for (const pad of ['valid', 'same'] as const) {
        for (const [x, w] of [
          [[3, 7, 7, 1], [3, 3, 1, 4]],
          [[2, 8, 6, 1], [2, 3, 1, 3]],
          [[2, 9, 7, 3], [3, 3, 3, 2]],
          [[1, 6, 5, 2], [3, 2, 2, 5]],
        ] as [Shape4, Shape4][]) {
          cases.push({ x, w, stride: typeof stride === 'number' ? stride : [...stride], dilation: 1, pad });
        }
      }
    }
    for (const [i, c] of cases.entries()) await expectMatchesCpu(c, 100 + 10 * i);
  });

  it('match the cpu backend for dilation, explicit and numeric padding, and edge shapes', async () => {
    const cases: Case[] = [
      { x: [2, 9, 8, 1], w: [3, 2, 1, 4], stride: 1, dilation: 2, pad: 'valid' },
      { x: [3, 8, 7, 2], w: [2, 3, 2, 3], stride: 1, dilation: 2, pad: 'same' },
      { x: [1, 10, 9, 1], w: [3, 3, 1, 2], stride: 2, dilation: 2, pad: 'same' },
      { x: [2, 11, 10, 1], w: [3, 3, 1, 3], stride: 1, dilation: 3, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
      { x: [2, 9, 9, 1], w: [3, 3, 1, 3], stride: 2, dilation: 1, pad: 1 },
      { x: [2, 8, 9, 1], w: [2, 3, 1, 2], stride: 2, dilation: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
      // Padding wider than the filter reach: whole rows and columns of P are zero.
      { x: [1, 4, 4, 1], w: [2, 2, 1, 2], stride: 1, dilation: 1, pad: [[0, 0], [3, 3], [3, 0], [0, 0]] },
      { x: [2, 5, 5, 1], w: [1, 1, 1, 4], stride: 2, dilation: 1, pad: 'valid' },
      { x: [2, 4, 5, 1], w: [4, 5, 1, 3], stride: 1, dilation: 1, pad: 'valid' },
      { x: [3, 5, 4, 2], w: [5, 3, 2, 2], stride: 2, dilation: 1, pad: 'same' },
      { x: [1, 1, 1, 1], w: [1, 1, 1, 1], stride: 1, dilation: 1, pad: 'valid' },
    ];
    for (const [i, c] of cases.entries()) await expectMatchesCpu(c, 700 + 10 * i);
  });

  it('match the cpu backend at LeNet size (batch 16; the kernel picks im2col for conv1, swapped for conv2)', async () => {
    const conv1: Case = { x: [16, 28, 28, 1], w: [3, 3, 1, 6], stride: 1, dilation: 1, pad: 'valid' };
    const conv2: Case = { x: [16, 13, 13, 6], w: [3, 3, 6, 16], stride: 1, dilation: 1, pad: 'valid' };
    await expectMatchesCpu(conv1, 1);
    await expectMatchesCpu(conv2, 2);
    const geometry = (c: Case) => tf.backend_util.computeConv2DInfo(c.x, c.w, c.stride, c.dilation, c.pad);
    expect(prefersIm2col(1, geometry(conv1))).toBe(true);
    expect(prefersIm2col(6, geometry(conv2))).toBe(false);
  });

  it('leave no tensor or wasm buffer behind, chunked or not', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const c: Case = { x: [3, 8, 7, 1], w: [3, 3, 1, 4], stride: 2, dilation: 1, pad: 'same' };
    const g = tf.backend_util.computeConv2DInfo(c.x, c.w, c.stride, c.dilation, c.pad);
    const x = tf.tensor4d(randomValues(sizeOf(c.x), 5), c.x);
    const dy = tf.tensor4d(randomValues(sizeOf(g.outShape), 6), g.outShape);
    const formulations = [...Object.values(FORMULATIONS), conv2dFilterGradient];
    for (const f of formulations) backend.disposeData(f(backend, x, dy, g).dataId); // warm-up
    expectNoTensorLeak(() => {
      for (const f of formulations) backend.disposeData(f(backend, x, dy, g).dataId);
    });
    tf.dispose([x, dy]);
  });
});
