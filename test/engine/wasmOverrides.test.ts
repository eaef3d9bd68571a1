/**
 * The fast paths prune-run puts in front of the wasm backend's own MaxPoolGrad,
 * Conv2DBackpropInput and BatchMatMul, against the cpu backend (same values, copied with dataSync).
 * Conv2DBackpropInput is also covered by every dx of wasmKernels.test.ts's conv2d grid.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/engine/backend/select.js';
import { axisPhase, conv2dBackpropInputOverride } from '../../src/engine/backend/wasmKernels/conv2dBackpropInput.js';
import { registerWasmTrainingKernels, WASM_KERNEL_OVERRIDES } from '../../src/engine/backend/wasmKernels/index.js';
import { originalKernel } from '../../src/engine/backend/wasmKernels/override.js';
import { expectNoTensorLeak, randomValues, relativeError } from '../helpers/tensors.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Values with many exact ties: ReLU'd and rounded to quarters, as pooled activations often are. */
function tiedValues(size: number, seed: number): Float32Array {
  return randomValues(size, seed).map((v) => Math.max(0, Math.round(v * 4) / 4));
}

async function on<T>(backend: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

type Shape4 = [number, number, number, number];

interface PoolCase {
  x: Shape4;
  size: number | [number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid';
}

function poolGradient(c: PoolCase, xv: Float32Array, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const y = tf.maxPool(x, c.size, c.stride, c.pad);
    const r = tf.tensor(randomValues(y.size, seed), y.shape);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, c.size, c.stride, c.pad), r)))(x);
    return dx.dataSync() as Float32Array;
  });
}

function overlaps(c: PoolCase): boolean {
  const [sh, sw] = typeof c.size === 'number' ? [c.size, c.size] : c.size;
  const [th, tw] = typeof c.stride === 'number' ? [c.stride, c.stride] : c.stride;
  return th < sh || tw < sw;
}

describe('MaxPoolGrad on wasm', () => {
  const cases: PoolCase[] = [];
  for (const [h, w] of [
    [26, 26],
    [11, 11],
    [8, 7],
  ] as const) {
    for (const pad of ['valid', 'same'] as const) {
      cases.push({ x: [3, h, w, 4], size: 2, stride: 2, pad });
      cases.push({ x: [2, h, w, 3], size: 3, stride: 3, pad });
      cases.push({ x: [2, h, w, 2], size: [2, 3], stride: [3, 3], pad });
      // Overlapping windows (the backend's own kernel gets all-negative windows wrong here).
      cases.push({ x: [2, h, w, 2], size: 3, stride: 2, pad });
    }
  }

  it('routes each window to the same (first) maximum as the cpu backend, ties included', async () => {
    for (const [i, c] of cases.entries()) {
      for (const values of [randomValues, tiedValues]) {
        const xv = values(c.x.reduce((a, b) => a * b, 1), 10 + i);
        const expected = await on('cpu', () => poolGradient(c, xv, 500 + i));
        const actual = await on('wasm', () => poolGradient(c, xv, 500 + i));
        const what = `${JSON.stringify(c)} ${values.name}`;
        if (overlaps(c)) {
          // Overlapping windows sum several contributions, in another order than the cpu backend.
          expect(relativeError(actual, expected), what).toBeLessThanOrEqual(1e-6);
        } else {
          expect(Array.from(actual), what).toEqual(Array.from(expected));
        }
      }
    }
  });

  it('routes ties to the first maximum and all-negative windows to their maximum (the backend kernel does not)', async () => {
    const c: PoolCase = { x: [1, 2, 4, 1], size: 2, stride: 2, pad: 'valid' };
    const xv = Float32Array.from([0.1, 0.5, -0.5, -0.2, 0.5, 0.2, -0.9, -0.3]);
    const dx = await on('wasm', () =>
      tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d(xv, c.x)).dataSync()),
    );
    expect(Array.from(dx)).toEqual([0, 1, 0, 1, 0, 0, 0, 0]);
  });

  it('gives no gradient to NaN entries and matches cpu at LeNet size', async () => {
    const c: PoolCase = { x: [4, 26, 26, 6], size: 2, stride: 2, pad: 'valid' };
    const xv = tiedValues(4 * 26 * 26 * 6, 3);
    xv[0] = Number.NaN;
    xv[7] = Number.NaN;
    const expected = await on('cpu', () => poolGradient(c, xv, 4));
    const actual = await on('wasm', () => poolGradient(c, xv, 4));
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });
});

describe('BatchMatMul with transposes on wasm', () => {
  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [64, 400], b: [64, 120], ta: true, tb: false },
    { a: [64, 120], b: [400, 120], ta: false, tb: true },
    { a: [7, 5], b: [3, 7], ta: true, tb: true },
    { a: [2, 6, 4], b: [2, 6, 5], ta: true, tb: false },
    { a: [3, 4, 6], b: [1, 5, 6], ta: false, tb: true },
    { a: [2, 3, 6, 4], b: [2, 3, 5, 6], ta: true, tb: true },
    { a: [1, 64, 10], b: [1, 84, 10], ta: false, tb: true },
    { a: [5, 1], b: [5, 1], ta: true, tb: false },
  ];

  it('matches the cpu backend', async () => {
    for (const [i, c] of cases.entries()) {
      const av = randomValues(c.a.reduce((x, y) => x * y, 1), 20 + i);
      const bv = randomValues(c.b.reduce((x, y) => x * y, 1), 40 + i);
      const run = () => tf.tidy(() => tf.matMul(tf.tensor(av, c.a), tf.tensor(bv, c.b), c.ta, c.tb).dataSync() as Float32Array);
      const expected = await on('cpu', run);
      const actual = await on('wasm', run);
      expect(relativeError(actual, expected), JSON.stringify(c)).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('Conv2DBackpropInput by phases on wasm', () => {
  it("splits a strided axis into phases holding each tap once (stride 2, 'same' on 28 rows: TF pads 0 before)", () => {
    // Even rows r = 2i take taps 2 (dy row i − 1) and 0 (dy row i); odd rows tap 1 (dy row i).
    expect(axisPhase(28, 14, 3, 2, 0, 0)).toEqual({ count: 14, taps: [2, 0], padBefore: 1, padAfter: 0 });
    expect(axisPhase(28, 14, 3, 2, 0, 1)).toEqual({ count: 14, taps: [1], padBefore: 0, padAfter: 0 });
    // A 1×1 filter at stride 2 reaches even rows only; odd rows have no tap (their gradient is 0).
    expect(axisPhase(28, 14, 1, 2, 0, 1)).toEqual({ count: 14, taps: [], padBefore: 0, padAfter: 0 });
    // Stride 1 is one phase: the whole filter rotated, padded as the classic transposed convolution.
    expect(axisPhase(7, 5, 3, 1, 0, 0)).toEqual({ count: 7, taps: [2, 1, 0], padBefore: 2, padAfter: 2 });
    // 'valid', 8 rows, 3 taps, stride 2 (3 dy rows): dx row 7 would read dy row 3, past the end (padding).
    expect(axisPhase(8, 3, 3, 2, 0, 1)).toEqual({ count: 4, taps: [1], padBefore: 0, padAfter: 1 });
    // 5 rows padded by 2 after, 1×1 at stride 2 (4 dy rows): dy row 3 reads padding only, so no dx row reads it.
    expect(axisPhase(5, 4, 1, 2, 0, 0)).toEqual({ count: 3, taps: [0], padBefore: 0, padAfter: -1 });
  });

  it("computes the strided ResNet and MobileNet geometries itself (no fallback to the backend's loop) and matches the cpu backend", async () => {
    const cases: { x: [number, number, number, number]; k: number; co: number; pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding }[] = [
      { x: [2, 28, 28, 4], k: 3, co: 8, pad: 'same' },
      { x: [2, 28, 28, 4], k: 1, co: 8, pad: 'same' },
      { x: [2, 14, 14, 8], k: 3, co: 4, pad: 'same' },
      { x: [2, 7, 7, 3], k: 3, co: 5, pad: 'same' },
      { x: [2, 9, 8, 3], k: 3, co: 2, pad: 'valid' },
      // dy's last row and column read padding only: cropped before the phase convolution.
      { x: [2, 5, 5, 3], k: 1, co: 2, pad: [[0, 0], [0, 2], [0, 2], [0, 0]] },
    ];
    for (const [i, c] of cases.entries()) {
      const w: [number, number, number, number] = [c.k, c.k, c.x[3], c.co];
      const info = tf.backend_util.computeConv2DInfo(c.x, w, 2, 1, c.pad);
      const dyv = randomValues(info.outShape.reduce((a, b) => a * b, 1), 60 + i);
      const wv = randomValues(w.reduce((a, b) => a * b, 1), 80 + i);
      const expected = await on('cpu', () => tf.tidy(() => tf.conv2dTranspose(tf.tensor4d(dyv, info.outShape), tf.tensor4d(wv, w), c.x, 2, c.pad).dataSync() as Float32Array));
      const actual = await on('wasm', () =>
        tf.tidy(() => {
          const args = { inputs: { dy: tf.tensor4d(dyv, info.outShape), filter: tf.tensor4d(wv, w) }, backend: tf.backend(), attrs: { inputShape: c.x, strides: 2, pad: c.pad, dataFormat: 'NHWC' } };
          const out = conv2dBackpropInputOverride.fastPath(args, () => {
            throw new Error('fell back to the backend kernel');
          });
          expect(out, JSON.stringify(c)).not.toBeNull();
          return tf.engine().makeTensorFromTensorInfo(out!).dataSync() as Float32Array;
        }),
      );
      expect(relativeError(actual, expected), JSON.stringify(c)).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('wasm kernel overrides: memory and registration', () => {
  it('leave no tensor or wasm buffer behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(tiedValues(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const w = tf.tensor4d(randomValues(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const a = tf.tensor2d(randomValues(6 * 4, 3), [6, 4]);
    const loss = (xx: tf.Tensor, ww: tf.Tensor, aa: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const pooled = tf.maxPool(xx as tf.Tensor4D, 2, 2, 'valid');
        const strided = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same');
        const product = tf.matMul(aa, aa, true, false);
        return tf.add(tf.add(tf.sum(tf.square(pooled)), tf.sum(tf.square(strided))), tf.sum(product));
      });
    tf.dispose(tf.grads(loss)([x, w, a])); // warm-up: first calls may cache state
    expectNoTensorLeak(() => {
      const grads = tf.grads(loss)([x, w, a]);
      expect(grads.map((g) => g.shape)).toEqual([x.shape, w.shape, a.shape]);
      tf.dispose(grads);
    });
    tf.dispose([x, w, a]);
  });

  it('are installed once, and keep the backend kernel for the cases they leave to it', async () => {
    await tf.setBackend('wasm');
    const before = WASM_KERNEL_OVERRIDES.map((name) => tf.getKernel(name, 'wasm'));
    registerWasmTrainingKernels();
    expect(WASM_KERNEL_OVERRIDES.map((name) => tf.getKernel(name, 'wasm'))).toEqual(before);
    for (const name of WASM_KERNEL_OVERRIDES) expect(originalKernel(name), name).toBeTypeOf('function');
  });

  it('keep working after switching to cpu and back (the backend kernels are set up again)', async () => {
    await tf.setBackend('cpu');
    await tf.setBackend('wasm');
    const y = tf.tidy(() => tf.matMul(tf.ones([3, 2]), tf.ones([3, 4]), true, false).dataSync());
    expect(Array.from(y)).toEqual(new Array(8).fill(3));
  });
});
