/**
 * The fast FusedBatchNorm prune-run puts in front of the wasm backend's own (per-channel factors
 * once, then XNNPACK's multiply and add), against that kernel's output on the same inputs, and
 * through what calls it: tf.batchNorm and a BatchNormalization layer outside training.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/engine/backend/select.js';
import { fusedBatchNormOverride } from '../../src/engine/backend/wasmKernels/fusedBatchNorm.js';
import { originalKernel } from '../../src/engine/backend/wasmKernels/override.js';
import { SeededRandom } from '../../src/util/random.js';
import { expectNoTensorLeak, expectTensorsClose, randomValues, relativeError, sizeOf } from '../helpers/tensors.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

interface Case {
  readonly x: number[];
  /** Shape of mean, variance, offset and scale (offset and scale left out when absent). */
  readonly parameter: number[];
  readonly offset: boolean;
  readonly scale: boolean;
  readonly epsilon: number;
}

/** Random shapes: NHWC and 2-D inputs, [C] and [1, 1, 1, C] parameters, with and without offset and scale. */
function cases(): Case[] {
  const random = new SeededRandom(17);
  const pick = (low: number, high: number) => low + random.nextInt(high - low + 1);
  const all: Case[] = [];
  for (let k = 0; k < 24; k++) {
    const channels = [1, 3, 8, 17, 64][k % 5]!;
    const nhwc = k % 3 !== 2;
    const x = nhwc ? [pick(1, 4), pick(1, 9), pick(1, 9), channels] : [pick(1, 40), channels];
    const parameter = nhwc && k % 4 === 1 ? [1, 1, 1, channels] : [channels];
    all.push({ x, parameter, offset: k % 2 === 0, scale: Math.floor(k / 2) % 2 === 0, epsilon: [1e-3, 1e-5, 0.1][k % 3]! });
  }
  return all;
}

/** Inputs of a case: x around a mean far from zero (the cancellation the factors must survive), positive variances. */
function inputsOf(c: Case, seed: number): tf.Tensor[] {
  const channels = sizeOf(c.parameter);
  const mean = randomValues(channels, seed).map((v) => 20 * v);
  const x = randomValues(sizeOf(c.x), seed + 1).map((v, i) => mean[i % channels]! + 3 * v);
  const variance = randomValues(channels, seed + 2).map((v) => 0.05 + 4 * v * v);
  const tensors = [tf.tensor(x, c.x), tf.tensor(mean, c.parameter), tf.tensor(variance, c.parameter)];
  if (c.offset) tensors.push(tf.tensor(randomValues(channels, seed + 3), c.parameter));
  if (c.scale) tensors.push(tf.tensor(randomValues(channels, seed + 4).map((v) => 0.5 + v), c.parameter));
  return tensors;
}

function kernelArgs(c: Case, tensors: tf.Tensor[]): Parameters<tf.KernelFunc>[0] {
  const [x, mean, variance, ...rest] = tensors;
  const inputs: tf.NamedTensorInfoMap = { x: x!, mean: mean!, variance: variance! };
  if (c.offset) inputs['offset'] = rest.shift()!;
  if (c.scale) inputs['scale'] = rest.shift()!;
  return { inputs, backend: tf.backend(), attrs: { varianceEpsilon: c.epsilon } };
}

/** A kernel's output values, its buffer given back. */
function valuesOf(info: tf.TensorInfo | tf.TensorInfo[] | null): Float32Array {
  if (info === null || Array.isArray(info)) throw new Error('expected one output');
  const backend = tf.backend() as BackendWasm;
  expect(info.dtype).toBe('float32');
  const values = Float32Array.from(backend.readSync(info.dataId) as Float32Array);
  backend.disposeData(info.dataId);
  return values;
}

describe('FusedBatchNorm on wasm', () => {
  const original = () => originalKernel(tf.FusedBatchNorm)!;

  it("gives the backend kernel's values to float32 rounding on random shapes, with and without offset and scale", () => {
    expect(original()).toBeTypeOf('function');
    for (const [i, c] of cases().entries()) {
      const tensors = inputsOf(c, 100 + 10 * i);
      const args = kernelArgs(c, tensors);
      const expected = valuesOf(original()(args));
      const fast = fusedBatchNormOverride.fastPath(args, original());
      expect(fast, JSON.stringify(c)).not.toBeNull(); // the case is the fast path's
      const actual = valuesOf(fast);
      // x·a + b in float32 rounds b and x·a, which are of mean·a's size (a mean ~7 deviations from
      // zero here, farther than batch norm's inputs usually lie): a few ulps of that, at most about
      // 1e-6 of the outputs' scale.
      expect(relativeError(actual, expected), JSON.stringify(c)).toBeLessThan(1e-6);
      tf.dispose(tensors);
    }
  });

  it('is what tf.batchNorm and a BatchNormalization layer outside training run, leaking nothing', () => {
    const c: Case = { x: [2, 5, 4, 6], parameter: [6], offset: true, scale: true, epsilon: 1e-3 };
    const tensors = inputsOf(c, 7);
    const [x, mean, variance, offset, scale] = tensors as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const expected = valuesOf(original()(kernelArgs(c, tensors)));
    expectNoTensorLeak(() => {
      expect(relativeError(tf.tidy(() => tf.batchNorm(x, mean, variance, offset, scale, c.epsilon).dataSync() as Float32Array), expected)).toBeLessThan(1e-6);
    });
    const layer = tf.layers.batchNormalization({ inputShape: [5, 4, 6], epsilon: c.epsilon });
    const model = tf.sequential({ layers: [layer] });
    layer.setWeights([scale, offset, mean, variance]); // gamma, beta, moving mean, moving variance
    expectNoTensorLeak(() => {
      expect(relativeError(tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array), expected)).toBeLessThan(1e-6);
    });
    model.dispose();
    tf.dispose(tensors);
  });

  it("leaves to the backend's kernel what it does not take: parameters of another size, other dtypes", () => {
    const x = tf.tensor(randomValues(24, 1), [2, 3, 4]);
    const perChannel = tf.tensor(randomValues(4, 2).map((v) => 1 + v * v), [4]);
    const single = tf.tensor([0.5], [1]);
    const integers = tf.tensor([1, 2, 3, 4], [4], 'int32');
    const args = (mean: tf.Tensor, variance: tf.Tensor): Parameters<tf.KernelFunc>[0] => ({ inputs: { x, mean, variance }, backend: tf.backend(), attrs: { varianceEpsilon: 1e-3 } });
    expect(fusedBatchNormOverride.fastPath(args(single, perChannel), original())).toBeNull();
    expect(fusedBatchNormOverride.fastPath(args(perChannel, single), original())).toBeNull();
    expect(fusedBatchNormOverride.fastPath(args(integers, perChannel), original())).toBeNull();
    // Such a call still works, through the backend's kernel: a mean of size 1 applies to every entry.
    const y = tf.tidy(() => tf.batchNorm(x, single, perChannel).dataSync() as Float32Array);
    const xv = x.dataSync();
    const vv = perChannel.dataSync();
    expectTensorsClose(y, Array.from(xv, (v, i) => (v - 0.5) / Math.sqrt(vv[i % 4]! + 1e-3)), { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([x, perChannel, single, integers]);
  });
});
