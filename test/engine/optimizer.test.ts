/**
 * The flat optimizers against TF.js's own: the same gradients, step after step, must give the
 * same weights (to float32 rounding), and a mask fused into the update must leave kept entries
 * exactly where the unmasked update puts them and pruned ones at exactly zero.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { createFlatOptimizer } from '../../src/engine/optimizer.js';
import type { TrainConfig } from '../../src/recipe/types.js';
import { SeededRandom } from '../../src/util/random.js';
import { expectTensorsClose } from '../helpers/tensors.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

function values(n: number, seed: number, scale = 1): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => (random.nextFloat() * 2 - 1) * scale);
}

const CONFIGS: TrainConfig[] = [
  { epochs: 1, batchSize: 8, optimizer: 'adam', learningRate: 0.01 },
  { epochs: 1, batchSize: 8, optimizer: 'sgd', learningRate: 0.1 },
];

describe('flat optimizers', () => {
  for (const config of CONFIGS) {
    it(`${config.optimizer}: 20 steps give tf.train.${config.optimizer}'s weights`, () => {
      const n = 37;
      const start = values(n, 1);
      const variable = tf.variable(tf.tensor1d(start));
      const reference = config.optimizer === 'adam' ? tf.train.adam(config.learningRate) : tf.train.sgd(config.learningRate);
      const flat = createFlatOptimizer(config, n);
      const weights = Float32Array.from(start);
      for (let step = 0; step < 20; step++) {
        // Two parts that sum to the gradient, as the shards give them.
        const a = values(n, 100 + step, 0.5);
        const b = values(n, 200 + step, 0.5);
        const sum = a.map((v, i) => v + b[i]!);
        tf.tidy(() => reference.applyGradients([{ name: variable.name, tensor: tf.tensor1d(sum) }]));
        flat.step(weights, [a, b], null);
      }
      expectTensorsClose(weights, variable, { rtol: 1e-5, atol: 1e-6 });
      reference.dispose();
      variable.dispose();
    });

    it(`${config.optimizer}: the fused mask zeroes pruned entries and leaves the kept ones as unmasked`, () => {
      const n = 64;
      const mask = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
      const masked = values(n, 2).map((v, i) => v * mask[i]!);
      const unmasked = Float32Array.from(masked);
      const withMask = createFlatOptimizer(config, n);
      const without = createFlatOptimizer(config, n);
      for (let step = 0; step < 5; step++) {
        const g = values(n, 300 + step);
        withMask.step(masked, [g], mask);
        without.step(unmasked, [g], null);
      }
      for (let i = 0; i < n; i++) {
        if (mask[i] === 0) expect(Object.is(masked[i], 0), `entry ${i}`).toBe(true);
        else expect(masked[i], `entry ${i}`).toBe(unmasked[i]);
      }
      expect(unmasked.filter((v, i) => mask[i] === 0 && v !== 0).length).toBeGreaterThan(0); // the mask mattered
    });
  }

  it('adds more than two parts in order, as two', () => {
    const n = 29;
    const parts = [values(n, 1), values(n, 2), values(n, 3)];
    const three = Float32Array.from(values(n, 4));
    const two = Float32Array.from(three);
    const a = createFlatOptimizer(CONFIGS[0]!, n);
    const b = createFlatOptimizer(CONFIGS[0]!, n);
    a.step(three, parts, null);
    b.step(two, [parts[0]!.map((v, i) => v + parts[1]![i]!), parts[2]!], null);
    expect(Array.from(three)).toEqual(Array.from(two));
  });

  it('refuses gradients or masks of another length', () => {
    const adam = createFlatOptimizer(CONFIGS[0]!, 4);
    expect(() => adam.step(new Float32Array(4), [new Float32Array(3)], null)).toThrow(/optimizer step over 4 weights/);
    expect(() => adam.step(new Float32Array(4), [new Float32Array(4)], new Uint8Array(5))).toThrow(/a mask of 5/);
    expect(() => adam.step(new Float32Array(5), [new Float32Array(5)], null)).toThrow(/made for 4\)/);
  });
});
