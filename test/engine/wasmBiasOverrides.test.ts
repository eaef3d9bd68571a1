/**
 * The fast paths prune-run puts in front of the wasm backend's Sum (over every axis but the last:
 * bias gradients) and Add (a vector along the last axis: bias adds), against the cpu backend from
 * the same values copied with dataSync. Both fast paths compute exactly what the cpu backend
 * computes (Sum: each channel in row order in double precision; Add: one float32 add per entry),
 * so they must agree to the bit; the cases they leave to the backend's kernel must still agree to
 * float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/engine/backend/select.js';
import { WASM_KERNEL_OVERRIDES } from '../../src/engine/backend/wasmKernels/index.js';
import { expectNoTensorLeak, randomValues, relativeError, sizeOf } from '../helpers/tensors.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

async function onBoth<T>(fn: () => T): Promise<{ cpu: T; wasm: T }> {
  await tf.setBackend('cpu');
  const cpu = fn();
  await tf.setBackend('wasm');
  return { cpu, wasm: fn() };
}

interface Result {
  shape: number[];
  values: number[];
}

/** Shapes and values of what fn returns, its tensors (and intermediates) disposed. */
function results(fn: () => tf.Tensor | tf.Tensor[]): Result[] {
  const out = tf.tidy(fn);
  const tensors = Array.isArray(out) ? out : [out];
  const res = tensors.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
  tf.dispose(tensors);
  return res;
}

describe('Sum over every axis but the last on wasm', () => {
  const cases: { x: number[]; axis: number | number[]; keepDims: boolean }[] = [];
  for (const keepDims of [false, true]) {
    cases.push(
      { x: [32, 26, 26, 6], axis: [0, 1, 2], keepDims },
      { x: [4, 11, 11, 16], axis: [0, 1, 2], keepDims },
      { x: [3, 5, 7, 9], axis: [2, 0, 1], keepDims },
      { x: [2, 3, 4, 5], axis: [-4, -3, -2], keepDims },
      { x: [7, 5, 3], axis: [0, 1], keepDims },
      { x: [33, 120], axis: 0, keepDims },
      { x: [5, 1], axis: [0], keepDims },
      { x: [1, 32, 10], axis: [0, 1], keepDims },
      { x: [6, 2, 7], axis: [0, 1], keepDims },
      { x: [0, 4], axis: 0, keepDims },
    );
  }

  it('equals the cpu backend to the bit (values and shapes, keepDims or not)', async () => {
    for (const [i, c] of cases.entries()) {
      const xv = randomValues(sizeOf(c.x), 10 + i);
      const { cpu, wasm } = await onBoth(() => results(() => tf.sum(tf.tensor(xv, c.x), c.axis, c.keepDims)));
      expect(wasm, JSON.stringify(c)).toEqual(cpu);
    }
  });

  it('leaves other reductions and dtypes to the backend kernel, which still agrees with cpu', async () => {
    const others: { x: number[]; axis?: number | number[]; keepDims?: boolean; dtype?: 'int32' }[] = [
      { x: [4, 5, 6], axis: 2 },
      { x: [4, 5, 6], axis: [1, 2], keepDims: true },
      { x: [4, 5, 6], axis: 1 },
      { x: [4, 5, 6] },
      { x: [7], axis: 0 },
      { x: [4, 5, 6], axis: [0, 1], dtype: 'int32' },
    ];
    for (const [i, c] of others.entries()) {
      const rv = randomValues(sizeOf(c.x), 50 + i);
      const xv = c.dtype === 'int32' ? Array.from(rv, (v) => Math.round(v * 100)) : rv;
      const { cpu, wasm } = await onBoth(() => results(() => tf.sum(tf.tensor(xv, c.x, c.dtype ?? 'float32'), c.axis, c.keepDims)));
      expect(wasm[0]!.shape, JSON.stringify(c)).toEqual(cpu[0]!.shape);
      expect(relativeError(wasm[0]!.values, cpu[0]!.values), JSON.stringify(c)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('gives a dense layer bias gradient equal to the cpu one through tf.grads', async () => {
    const xv = randomValues(6 * 5 * 5 * 3, 1);
    const bv = randomValues(3, 2);
    const rv = randomValues(6 * 5 * 5 * 3, 3);
    const { cpu, wasm } = await onBoth(() =>
      results(() => {
        const r = tf.tensor4d(rv, [6, 5, 5, 3]);
        const f = (x: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.add(x, b), r));
        return tf.grads(f)([tf.tensor4d(xv, [6, 5, 5, 3]), tf.tensor1d(bv)]);
      }),
    );
    expect(wasm).toEqual(cpu);
  });
});

describe('Add of a vector along the last axis on wasm', () => {
  const cases: { a: number[]; b: number[] }[] = [
    // LeNet's bias adds, at batch 32 and at odd sizes.
    { a: [32, 26, 26, 6], b: [6] },
    { a: [32, 11, 11, 16], b: [16] },
    { a: [32, 120], b: [120] },
    { a: [3, 13, 13, 6], b: [6] },
    // Vector first, vector with leading ones, row counts with no convenient divisor.
    { a: [6], b: [5, 7, 9, 6] },
    { a: [1, 1, 5], b: [97, 89, 5] },
    { a: [131, 7], b: [1, 7] },
    { a: [2, 1009, 3], b: [3] },
    { a: [211, 2], b: [2] },
    // Row counts whose divisors give no long enough row (2003 is prime): the tile spans all of a.
    { a: [2003, 3], b: [3] },
    { a: [2042, 6], b: [6] },
    { a: [128, 255], b: [255] },
    // Left to the backend kernel: equal shapes, long rows, few rows, other broadcasts, c = 1.
    { a: [64, 26, 6], b: [64, 26, 6] },
    { a: [300, 256], b: [256] },
    { a: [127, 6], b: [6] },
    { a: [40, 6, 5], b: [6, 1] },
    { a: [40, 6, 5], b: [6, 5] },
    { a: [300, 1], b: [1] },
    { a: [300, 4], b: [] },
  ];

  it('equals the cpu backend to the bit', async () => {
    for (const [i, c] of cases.entries()) {
      const av = randomValues(sizeOf(c.a), 100 + i);
      const bv = randomValues(sizeOf(c.b), 200 + i);
      const { cpu, wasm } = await onBoth(() => results(() => tf.add(tf.tensor(av, c.a), tf.tensor(bv, c.b))));
      expect(wasm, JSON.stringify(c)).toEqual(cpu);
    }
  });

  it('leaves int32 adds to the backend kernel', async () => {
    const { cpu, wasm } = await onBoth(() =>
      results(() => tf.add(tf.tensor(Array.from({ length: 600 }, (_, i) => i), [200, 3], 'int32'), tf.tensor([1, 2, 3], [3], 'int32'))),
    );
    expect(wasm).toEqual(cpu);
  });
});

describe('Sum and Add overrides: memory and registration', () => {
  it('are installed', () => {
    expect(WASM_KERNEL_OVERRIDES).toEqual(expect.arrayContaining(['Sum', 'Add']));
  });

  it('leave no tensor or wasm buffer behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randomValues(4 * 9 * 9 * 6, 1), [4, 9, 9, 6]);
    const b = tf.tensor1d(randomValues(6, 2));
    const loss = (xx: tf.Tensor, bb: tf.Tensor): tf.Scalar => tf.tidy(() => tf.sum(tf.square(tf.add(xx, bb))));
    tf.dispose(tf.grads(loss)([x, b])); // warm-up: first calls may cache state
    expectNoTensorLeak(() => {
      const grads = tf.grads(loss)([x, b]);
      expect(grads.map((g) => g.shape)).toEqual([x.shape, b.shape]);
      tf.dispose(grads);
      tf.dispose([tf.sum(x, [0, 1, 2], true), tf.add(b, x)]);
    });
    tf.dispose([x, b]);
  });
});
