/**
 * Shared tensor assertions for tests (after tfjs-layers' test utilities): closeness with numpy's
 * allclose rule, a scale-relative error for values that cancel, and a leak check.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { SeededRandom } from '../../src/util/random.js';

export type Values = tf.Tensor | Float32Array | Float64Array | Int32Array | readonly number[];

export interface Tolerance {
  /** Relative tolerance, against |expected| of each entry. */
  rtol?: number;
  /** Absolute tolerance, for entries near zero. */
  atol?: number;
}

function shapeOf(v: Values): readonly number[] | null {
  return v instanceof tf.Tensor ? v.shape : null;
}

function valuesOf(v: Values): ArrayLike<number> {
  return v instanceof tf.Tensor ? v.dataSync() : v;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| entry by entry (shapes must match when
 * both are tensors). The failure message names the worst entry.
 */
export function expectTensorsClose(actual: Values, expected: Values, tolerance: Tolerance = {}): void {
  const { rtol = 1e-5, atol = 1e-6 } = tolerance;
  const aShape = shapeOf(actual);
  const eShape = shapeOf(expected);
  if (aShape !== null && eShape !== null) expect(aShape, 'shape').toEqual(eShape);
  const a = valuesOf(actual);
  const e = valuesOf(expected);
  expect(a.length, 'number of values').toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(a[i]! - e[i]!) - (atol + rtol * Math.abs(e[i]!));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = excess;
      if (Number.isNaN(excess)) break;
    }
  }
  if (worst >= 0) {
    expect.fail(`values differ at flat index ${worst}: got ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/**
 * max|actual − expected| / max|expected|: the error relative to the scale of the result, which
 * stays meaningful where sums of many terms cancel to near zero.
 */
export function relativeError(actual: Values, expected: Values): number {
  const a = valuesOf(actual);
  const e = valuesOf(expected);
  expect(a.length, 'number of values').toBe(e.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  if (Number.isNaN(diff)) return Number.NaN;
  return scale === 0 ? diff : diff / scale;
}

function counts(): { tensors: number; backendData: number } {
  // Kernels that call other kernels directly make buffers the engine never sees; the backend's own
  // count catches those leaks, tf.memory() alone would not.
  return { tensors: tf.memory().numTensors, backendData: tf.backend().numDataIds() };
}

/**
 * Runs fn and asserts it left no tensor (and no backend buffer) behind. Returns a promise exactly
 * when fn does.
 */
export function expectNoTensorLeak(fn: () => Promise<void>): Promise<void>;
export function expectNoTensorLeak(fn: () => void): void;
export function expectNoTensorLeak(fn: () => void | Promise<void>): void | Promise<void> {
  const before = counts();
  const result = fn();
  if (result instanceof Promise) return result.then(() => expect(counts(), 'tensors after fn').toEqual(before));
  expect(counts(), 'tensors after fn').toEqual(before);
}

/** `size` values uniform in [−1, 1) from `seed`: reproducible test inputs. */
export function randomValues(size: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: size }, () => rng.nextFloat() * 2 - 1);
}

/** The number of entries of a tensor of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
