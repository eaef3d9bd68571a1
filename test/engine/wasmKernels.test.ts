/**
 * The wasm training kernels against the cpu backend's: gradients from tf.grads on both backends,
 * from the same values (copied with dataSync, never moved between backends), must agree to a
 * relative error of 1e-4. Dilated cases are checked against a dilation-free reference instead
 * (a dilated filter is an ordinary filter with zeros between its taps), because TF.js refuses the
 * gradient of a dilated conv and the cpu depthwise backprop kernels ignore dilation.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { EngineError } from '../../src/errors.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { conv2dFilterGradient } from '../../src/engine/backend/wasmKernels/conv2dBackpropFilter.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/engine/backend/wasmKernels/index.js';
import { expectNoTensorLeak, randomValues, relativeError, sizeOf } from '../helpers/tensors.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

const MAX_RELATIVE_ERROR = 1e-4;

beforeAll(async () => {
  await selectBackend('wasm');
});

async function on<T>(backend: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

/** A filter [KH, KW, ...] with d − 1 zeros between taps: what dilation d does, made explicit. */
function dilateFilter(values: Float32Array, shape: Shape4, d: number): { values: Float32Array; shape: Shape4 } {
  const [kh, kw, a, b] = shape;
  const out: Shape4 = [(kh - 1) * d + 1, (kw - 1) * d + 1, a, b];
  const res = new Float32Array(sizeOf(out));
  const inner = a * b;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      res.set(values.subarray((i * kw + j) * inner, (i * kw + j + 1) * inner), (i * d * out[1] + j * d) * inner);
    }
  }
  return { values: res, shape: out };
}

/** The taps of a dilated-filter gradient: every d-th entry of the zero-expanded filter's gradient. */
function undilateFilter(values: Float32Array, shape: Shape4, d: number): Float32Array {
  const [kh, kw, a, b] = shape;
  const wide = (kw - 1) * d + 1;
  const inner = a * b;
  const res = new Float32Array(sizeOf(shape));
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = (i * d * wide + j * d) * inner;
      res.set(values.subarray(from, from + inner), (i * kw + j) * inner);
    }
  }
  return res;
}

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  /** Output channels for conv2d; channel multiplier for depthwise. */
  outChannels: number;
  kernel: [number, number];
  stride: number;
  pad: Pad;
}

function label(c: ConvCase): string {
  const pad = typeof c.pad === 'string' || typeof c.pad === 'number' ? c.pad : JSON.stringify(c.pad);
  return `x ${c.batch}×${c.height}×${c.width}×${c.inChannels}, k ${c.kernel.join('×')}, out ${c.outChannels}, stride ${c.stride}, pad ${pad}`;
}

type Op = 'conv2d' | 'depthwise';

function filterShapeOf(c: ConvCase): Shape4 {
  return [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels];
}

/** dx and dW of sum(op(x, W) · r) on the active backend, for a fixed random r. */
function gradients(op: Op, c: ConvCase, seed: number): { dx: Float32Array; dw: Float32Array } {
  const xShape: Shape4 = [c.batch, c.height, c.width, c.inChannels];
  const wShape = filterShapeOf(c);
  const info = tf.backend_util.computeConv2DInfo(xShape, wShape, c.stride, 1, c.pad, undefined, op === 'depthwise');
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(sizeOf(xShape), seed), xShape);
    const w = tf.tensor4d(randomValues(sizeOf(wShape), seed + 1), wShape);
    const r = tf.tensor4d(randomValues(sizeOf(info.outShape), seed + 2), info.outShape);
    const loss = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar => {
      const y =
        op === 'conv2d'
          ? tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad)
          : tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, r));
    };
    const [dx, dw] = tf.grads(loss)([x, w]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

async function expectGradientsMatchCpu(op: Op, c: ConvCase, seed: number): Promise<void> {
  const expected = await on('cpu', () => gradients(op, c, seed));
  const actual = await on('wasm', () => gradients(op, c, seed));
  const errors = { dx: relativeError(actual.dx, expected.dx), dw: relativeError(actual.dw, expected.dw) };
  expect(errors, label(c)).toEqual({
    dx: expect.toSatisfy((e: number) => e <= MAX_RELATIVE_ERROR),
    dw: expect.toSatisfy((e: number) => e <= MAX_RELATIVE_ERROR),
  });
}

/** Every combination of: stride 1/2, same/valid, odd/even/non-square input, batch 1/3, kernels. */
function grid(channels: readonly [number, number][], kernels: readonly [number, number][]): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const [height, width] of [
        [7, 7],
        [8, 6],
      ] as const) {
        for (const batch of [1, 3]) {
          for (const [inChannels, outChannels] of channels) {
            for (const kernel of kernels) {
              cases.push({ batch, height, width, inChannels, outChannels, kernel, stride, pad });
            }
          }
        }
      }
    }
  }
  return cases;
}

/**
 * Explicit and numeric paddings, and shapes at the edges (1×1 kernel, kernel as large as x).
 * Numeric padding only with a square kernel: TF.js 4.22 computes the output width of a numeric pad
 * from the filter *height*, and the wasm forward Conv2D then writes past its output buffer.
 */
const EDGE_CASES: ConvCase[] = [
  { batch: 2, height: 9, width: 8, inChannels: 2, outChannels: 3, kernel: [3, 3], stride: 2, pad: 1 },
  { batch: 2, height: 8, width: 9, inChannels: 3, outChannels: 2, kernel: [2, 3], stride: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { batch: 1, height: 6, width: 6, inChannels: 2, outChannels: 2, kernel: [3, 3], stride: 1, pad: [[0, 0], [2, 0], [0, 2], [0, 0]] },
  { batch: 2, height: 5, width: 5, inChannels: 3, outChannels: 4, kernel: [1, 1], stride: 2, pad: 'valid' },
  { batch: 2, height: 4, width: 5, inChannels: 2, outChannels: 3, kernel: [4, 5], stride: 1, pad: 'valid' },
  { batch: 3, height: 5, width: 4, inChannels: 2, outChannels: 2, kernel: [5, 3], stride: 2, pad: 'same' },
];

describe('Conv2DBackpropFilter on wasm', () => {
  it('matches the cpu backend over the stride / padding / size / batch / channel / kernel grid', async () => {
    const cases = grid(
      [
        [1, 4],
        [3, 2],
      ],
      [
        [3, 3],
        [2, 3],
      ],
    );
    for (const [i, c] of cases.entries()) await expectGradientsMatchCpu('conv2d', c, 100 + 10 * i);
  });

  it('matches the cpu backend for explicit paddings and edge shapes', async () => {
    for (const [i, c] of EDGE_CASES.entries()) await expectGradientsMatchCpu('conv2d', c, 900 + 10 * i);
  });

  it('matches the cpu backend at LeNet size (28×28, batch 16, 6 → 16 channels)', async () => {
    await expectGradientsMatchCpu('conv2d', { batch: 16, height: 28, width: 28, inChannels: 1, outChannels: 6, kernel: [3, 3], stride: 1, pad: 'valid' }, 7);
    await expectGradientsMatchCpu('conv2d', { batch: 16, height: 13, width: 13, inChannels: 6, outChannels: 16, kernel: [3, 3], stride: 1, pad: 'valid' }, 8);
  });

  it('handles dilation 2 (reached only by direct calls; TF.js refuses gradients of dilated conv2d)', async () => {
    const cases: { x: Shape4; w: Shape4; stride: number; pad: Pad }[] = [
      { x: [2, 9, 8, 3], w: [3, 2, 3, 4], stride: 1, pad: 'valid' },
      { x: [3, 8, 7, 2], w: [2, 3, 2, 3], stride: 1, pad: 'same' },
      { x: [1, 10, 9, 2], w: [3, 3, 2, 2], stride: 2, pad: 'same' },
    ];
    for (const [i, c] of cases.entries()) {
      const d = 2;
      const info = tf.backend_util.computeConv2DInfo(c.x, c.w, c.stride, d, c.pad);
      const xv = randomValues(sizeOf(c.x), 40 + i);
      const dyv = randomValues(sizeOf(info.outShape), 50 + i);
      const wide = dilateFilter(new Float32Array(sizeOf(c.w)), c.w, d).shape;
      const expected = await on('cpu', () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x);
          const dy = tf.tensor4d(dyv, info.outShape);
          const dw = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.stride, c.pad), dy)))(tf.zeros(wide));
          return undilateFilter(dw.dataSync() as Float32Array, c.w, d);
        }),
      );
      const actual = await on('wasm', () => {
        const backend = tf.backend() as BackendWasm;
        const x = tf.tensor4d(xv, c.x);
        const dy = tf.tensor4d(dyv, info.outShape);
        const out = conv2dFilterGradient(backend, x, dy, info);
        const values = backend.readSync(out.dataId) as Float32Array;
        backend.disposeData(out.dataId);
        tf.dispose([x, dy]);
        return values;
      });
      expect(relativeError(actual, expected), `x ${c.x}, w ${c.w}, stride ${c.stride}, ${c.pad}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
    }
  });

  it('refuses dataFormat NCHW with an EngineError', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 3, 3, 3]);
    const run = (): tf.Tensor =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] });
    expect(run).toThrow(EngineError);
    expect(run).toThrow(/NHWC/);
    tf.dispose([x, dy]);
  });
});

describe('DepthwiseConv2dNative backprop kernels on wasm', () => {
  it('match the cpu backend over the stride / padding / size / batch / channel / kernel grid', async () => {
    const cases = grid(
      [
        [1, 1],
        [3, 1],
        [2, 3],
      ],
      [
        [3, 3],
        [2, 3],
      ],
    );
    for (const [i, c] of cases.entries()) await expectGradientsMatchCpu('depthwise', c, 3000 + 10 * i);
  });

  it('match the cpu backend for explicit paddings and edge shapes', async () => {
    for (const [i, c] of EDGE_CASES.entries()) await expectGradientsMatchCpu('depthwise', c, 4000 + 10 * i);
  });

  it('handle dilation 2 (called directly, as TF.js refuses gradients of dilated convolutions)', async () => {
    const cases: { x: Shape4; w: Shape4; pad: Pad }[] = [
      { x: [2, 9, 8, 3], w: [3, 2, 3, 1], pad: 'valid' },
      { x: [3, 8, 7, 2], w: [2, 3, 2, 2], pad: 'same' },
      { x: [1, 7, 7, 1], w: [3, 3, 1, 3], pad: [[0, 0], [1, 2], [2, 1], [0, 0]] },
    ];
    for (const [i, c] of cases.entries()) {
      const d = 2;
      const info = tf.backend_util.computeConv2DInfo(c.x, c.w, 1, d, c.pad, undefined, true);
      const xv = randomValues(sizeOf(c.x), 60 + i);
      const wv = randomValues(sizeOf(c.w), 70 + i);
      const dyv = randomValues(sizeOf(info.outShape), 80 + i);
      const wide = dilateFilter(wv, c.w, d);
      const expected = await on('cpu', () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x);
          const w = tf.tensor4d(wide.values, wide.shape);
          const dy = tf.tensor4d(dyv, info.outShape);
          const loss = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar =>
            tf.sum(tf.mul(tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, c.pad), dy));
          const [dx, dw] = tf.grads(loss)([x, w]);
          return { dx: dx!.dataSync() as Float32Array, dw: undilateFilter(dw!.dataSync() as Float32Array, c.w, d) };
        }),
      );
      const actual = await on('wasm', () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x);
          const w = tf.tensor4d(wv, c.w);
          const dy = tf.tensor4d(dyv, info.outShape);
          const common = { strides: 1, dilations: d, pad: c.pad };
          const dx = tf.engine().runKernel<tf.Tensor>(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: w }, { ...common, inputShape: c.x });
          const dw = tf.engine().runKernel<tf.Tensor>(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...common, filterShape: c.w });
          return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
        }),
      );
      expect(relativeError(actual.dx, expected.dx), `dx, case ${i}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
      expect(relativeError(actual.dw, expected.dw), `dW, case ${i}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
    }
  });
});

describe('wasm training kernels: memory and registration', () => {
  it('leave no tensor or wasm buffer behind', async () => {
    await tf.setBackend('wasm');
    // Stride 2 on an even size takes the crop path, the one with the most intermediates.
    const x = tf.tensor4d(randomValues(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
    const w = tf.tensor4d(randomValues(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const dw3 = tf.tensor4d(randomValues(3 * 3 * 3 * 2, 3), [3, 3, 3, 2]);
    const convLoss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid')));
    const depthwiseLoss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')));
    tf.dispose(tf.grads(convLoss)([x, w])); // warm-up: first calls may cache state
    expectNoTensorLeak(() => {
      const grads = tf.tidy(() => [...tf.grads(convLoss)([x, w]), ...tf.grads(depthwiseLoss)([x, dw3])]);
      expect(grads.map((g) => g.shape)).toEqual([x.shape, w.shape, x.shape, dw3.shape]);
      tf.dispose(grads);
    });
    tf.dispose([x, w, dw3]);
  });

  it('registering again is harmless', async () => {
    expect(registerWasmTrainingKernels()).toEqual([]);
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    await expectGradientsMatchCpu('conv2d', { batch: 2, height: 6, width: 6, inChannels: 2, outChannels: 3, kernel: [3, 3], stride: 2, pad: 'same' }, 5);
  });
});
