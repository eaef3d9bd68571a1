/**
 * Batch normalization under sharded training: each batch is normalised by the statistics of the
 * whole batch, not of a shard, and the moving mean and variance are learned from them, once per
 * step, as TF.js's own model.fit (Keras's, ported) does — weights and moving statistics end where
 * fit's do — the same, bit for bit, on one thread and on two, and to float rounding with one shard.
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
      // Seeded: TF.js's default initialisers draw from Math.random, and a test's model must not vary by run.
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, strides: 3, name: 'conv', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.batchNormalization({ momentum: 0.9, name: 'bn' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'fc', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  if (from !== undefined) model.setWeights(from.getWeights());
  return model;
}

const movingOf = (model: tf.LayersModel) => model.getLayer('bn').getWeights().slice(2).map((w) => w.dataSync() as Float32Array);

async function shardedMoving(model: tf.LayersModel, config: TrainConfig, threads: number): Promise<Float32Array[]> {
  return (await shardedTraining(model, config, threads)).slice(-2);
}

/** Every weight of the layers (the batch norm's moving mean and variance last), after training a copy of `model`. */
async function shardedTraining(model: tf.LayersModel, config: TrainConfig, threads: number, shards = 2): Promise<Float32Array[]> {
  const trained = bnModel(model);
  await trainEpochs(trained, data, { config, seed: SEED, masks: MaskBinding.none(), sharding: { shards, threads, backend: 'wasm' } });
  const weights = weightsOf(trained);
  trained.dispose();
  return weights;
}

/** conv kernel and bias, γ, β, dense kernel and bias, moving mean, moving variance. */
function weightsOf(model: tf.LayersModel): Float32Array[] {
  const [gamma, beta, mean, variance] = model.getLayer('bn').getWeights().map((w) => w.dataSync() as Float32Array);
  const others = ['conv', 'fc'].flatMap((name) => model.getLayer(name).getWeights().map((w) => w.dataSync() as Float32Array));
  return [others[0]!, others[1]!, gamma!, beta!, others[2]!, others[3]!, mean!, variance!];
}

/** The batch order trainEpochs draws for epoch e (0-based) from SEED. */
function trainingOrder(epoch: number): Uint32Array {
  const random = new SeededRandom(SEED);
  let order = random.permutation(data.train.count);
  for (let e = 0; e < epoch; e++) order = random.permutation(data.train.count);
  return order;
}

/** A copy of `model` trained by TF.js's own fit on the batches trainEpochs makes (the seeded order, in order). */
async function fitReference(model: tf.LayersModel, config: TrainConfig): Promise<Float32Array[]> {
  const reference = bnModel(model);
  reference.compile({ optimizer: tf.train.sgd(config.learningRate), loss: 'sparseCategoricalCrossentropy' });
  const pixels = 28 * 28;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = trainingOrder(epoch);
    const images = new Float32Array(order.length * pixels);
    for (const [i, source] of order.entries()) images.set(data.train.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
    const x = tf.tensor4d(images, [order.length, 28, 28, 1]);
    const y = tf.tensor1d(Array.from(order, (i) => data.train.labels[i]!), 'float32');
    await reference.fit(x, y, { batchSize: config.batchSize, epochs: 1, shuffle: false, verbose: 0 });
    tf.dispose([x, y]);
  }
  const weights = weightsOf(reference);
  reference.dispose();
  return weights;
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

    // The statistics moved from their start (mean 0, variance 1): in every channel, not by chance in one.
    for (const [c, mean] of expected[0]!.entries()) expect(Math.abs(mean) + Math.abs(expected[1]![c]! - 1), `channel ${c}`).toBeGreaterThan(1e-3);
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

  it("trains to the weights and moving statistics of TF.js's own fit, batch norm over the whole batch", async () => {
    // Two epochs of nine steps (the ninth a batch of 8), SGD: every step's gradient depends on the
    // batch's statistics, so a shard normalised by its own half's would part from fit at once.
    const initial = bnModel();
    const config: TrainConfig = { epochs: 2, batchSize: 24, optimizer: 'sgd', learningRate: 0.1 };
    const expected = await fitReference(initial, config);
    const before = weightsOf(initial);
    const tensorsBefore = tf.memory().numTensors;
    const two = await shardedTraining(initial, config, 2);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    for (const [i, values] of expected.entries()) {
      // The conv's bias, just before the batch norm, has a gradient of zero up to rounding.
      if (i !== 1) expect(values, `weight ${String(i)} moved`).not.toEqual(before[i]);
      expectTensorsClose(two[i]!, values, { rtol: 1e-4, atol: 1e-5 });
    }
    expect(await shardedTraining(initial, config, 1)).toEqual(two);
    initial.dispose();
  });

  it('trains the same weights to float rounding in two shards as in one', async () => {
    const initial = bnModel();
    // SGD: the conv's bias before the batch norm has a gradient of zero up to rounding, which Adam
    // would scale up to steps of the learning rate's size (and the moving mean with it).
    const config: TrainConfig = { epochs: 2, batchSize: 24, optimizer: 'sgd', learningRate: 0.1 };
    const [one, two] = [await shardedTraining(initial, config, 1, 1), await shardedTraining(initial, config, 2, 2)];
    for (const [i, values] of one.entries()) expectTensorsClose(two[i]!, values, { rtol: 1e-4, atol: 1e-5 });
    initial.dispose();
  });
});
