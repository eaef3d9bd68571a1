/**
 * Batch normalization under sharded training: the moving mean and variance are learned from the
 * whole batch, once per step, as TF.js's own model.fit learns them — not from one shard's half —
 * and they are the same, bit for bit, on one thread and on two.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { trainEpochs } from '../../src/engine/train.js';
import type { TrainConfig } from '../../src/recipe/types.js';
import { SeededRandom } from '../../src/util/random.js';
import { expectTensorsClose } from '../helpers/tensors.js';

// 200 images in batches of 24: eight full batches and a short one of 8 (shards of 4 and 4).
const data = syntheticDataset({ trainCount: 200, testCount: 20, seed: 3 });
const SEED = 9;

beforeAll(async () => {
  await selectBackend('wasm');
});

/** conv → batch norm → flatten → dense, with the weights `from` holds (else fresh ones). */
function bnModel(from?: tf.LayersModel): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, strides: 3, name: 'conv' }),
      tf.layers.batchNormalization({ momentum: 0.9, name: 'bn' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'fc' }),
    ],
  });
  if (from !== undefined) model.setWeights(from.getWeights());
  return model;
}

const movingOf = (model: tf.LayersModel) => model.getLayer('bn').getWeights().slice(2).map((w) => w.dataSync() as Float32Array);

async function shardedMoving(model: tf.LayersModel, config: TrainConfig, threads: number): Promise<Float32Array[]> {
  const trained = bnModel(model);
  await trainEpochs(trained, data, { config, seed: SEED, masks: MaskBinding.none(), sharding: { shards: 2, threads, backend: 'wasm' } });
  const moving = movingOf(trained);
  trained.dispose();
  return moving;
}

describe('batch normalization in sharded training', () => {
  it("learns the moving statistics of the whole batch, as TF.js's fit does", async () => {
    const initial = bnModel();
    // Learning rate 0: the weights stay, so the statistics alone tell the update rule apart.
    const config: TrainConfig = { epochs: 1, batchSize: 24, optimizer: 'sgd', learningRate: 0 };
    const tensorsBefore = tf.memory().numTensors;
    const [one, two] = [await shardedMoving(initial, config, 1), await shardedMoving(initial, config, 2)];
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const reference = bnModel(initial);
    reference.compile({ optimizer: tf.train.sgd(0), loss: 'sparseCategoricalCrossentropy' });
    const order = new SeededRandom(SEED).permutation(data.train.count);
    const pixels = 28 * 28;
    const images = new Float32Array(order.length * pixels);
    for (const [i, source] of order.entries()) images.set(data.train.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
    const x = tf.tensor4d(images, [order.length, 28, 28, 1]);
    const y = tf.tensor1d(Array.from(order, (i) => data.train.labels[i]!), 'float32');
    await reference.fit(x, y, { batchSize: config.batchSize, epochs: 1, shuffle: false, verbose: 0 });
    const expected = movingOf(reference);
    tf.dispose([x, y]);
    reference.dispose();
    initial.dispose();

    expect(Math.abs(expected[0]![0]!)).toBeGreaterThan(1e-3); // the statistics moved from their start (0 and 1)
    for (const [i, values] of expected.entries()) {
      expectTensorsClose(one[i]!, values, { rtol: 1e-5, atol: 1e-6 });
      expect(two[i]).toEqual(one[i]);
    }
  });

  it('learns the same statistics on one thread and on two while the weights train', async () => {
    const initial = bnModel();
    const config: TrainConfig = { epochs: 2, batchSize: 24, optimizer: 'adam', learningRate: 0.01 };
    const one = await shardedMoving(initial, config, 1);
    expect(await shardedMoving(initial, config, 2)).toEqual(one);
    expect(one[1]!.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    initial.dispose();
  });
});
