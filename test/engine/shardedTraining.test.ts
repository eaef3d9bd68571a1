/**
 * Training with the batch gradient split into shards over worker threads: the parts add up to
 * the whole batch's gradient, the weights do not depend on the number of threads (bit for bit),
 * and a worker that fails is an error with its reason, not a hang.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageValues, syntheticDataset, type Split } from '../../src/data/index.js';
import { BYTE_TO_UNIT } from '../../src/data/pixels.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import type { BackendRequest } from '../../src/engine/backend/request.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { GradientWorkers } from '../../src/engine/parallel/gradientWorkers.js';
import { ShardedGradients, shardBounds } from '../../src/engine/parallel/shardedGradients.js';
import { ParameterVector } from '../../src/engine/parameterVector.js';
import { defaultSharding, trainEpochs } from '../../src/engine/train.js';
import type { TrainConfig } from '../../src/recipe/types.js';
import { expectTensorsClose } from '../helpers/tensors.js';

const data = syntheticDataset({ trainCount: 200, testCount: 20, seed: 11 });
const config: TrainConfig = { epochs: 1, batchSize: 24, optimizer: 'adam', learningRate: 0.01 };

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('shardBounds', () => {
  it('cuts a batch into near-equal consecutive slices, the larger first', () => {
    expect(shardBounds(7, 2)).toEqual([{ start: 0, count: 4 }, { start: 4, count: 3 }]);
    expect(shardBounds(64, 2)).toEqual([{ start: 0, count: 32 }, { start: 32, count: 32 }]);
    expect(shardBounds(1, 2)).toEqual([{ start: 0, count: 1 }, { start: 1, count: 0 }]);
  });
});

describe('ShardedGradients', () => {
  it('gives parts that add up to the gradient of the batch mean loss, on one thread and on two', async () => {
    const model = buildLenet(2);
    const vector = ParameterVector.of(model);
    const order = Uint32Array.from({ length: data.train.count }, (_, i) => (i * 37) % data.train.count);
    // Reference: the whole batch (the last, short one: 200 = 8·24 + 8) in one tf.variableGrads.
    const start = 192;
    const size = 8;
    const expected = tf.tidy(() => {
      const pixels = 28 * 28;
      const images = new Float32Array(size * pixels);
      const labels = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const source = order[start + i]!;
        images.set(data.train.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
        labels[i] = data.train.labels[source]!;
      }
      const x = tf.tensor4d(images, [size, 28, 28, 1]);
      const { grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), model.apply(x) as tf.Tensor2D),
        vector.trainable as tf.Variable[],
      );
      const flat = new Float32Array(vector.size);
      for (const [i, slot] of vector.slots.entries()) flat.set(grads[vector.trainable[i]!.name]!.dataSync(), slot.offset);
      return flat;
    });
    const tensorsBefore = tf.memory().numTensors;
    for (const threads of [1, 2]) {
      const sharded = await ShardedGradients.start(model, vector, data, config.batchSize, { shards: 2, threads, backend: 'wasm' });
      try {
        const outcome = await sharded.step(order, start, config.batchSize);
        expect(outcome.size).toBe(size);
        const sum = sharded.gradients[0]!.map((v, i) => v + sharded.gradients[1]![i]!);
        expectTensorsClose(sum, expected, { rtol: 1e-4, atol: 1e-6 });
      } finally {
        await sharded.close();
      }
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });

  it('reports a worker that cannot start, with its reason', async () => {
    const model = buildLenet(2);
    const vector = ParameterVector.of(model);
    const start = ShardedGradients.start(model, vector, data, 8, { shards: 2, threads: 2, backend: 'no-such-backend' as BackendRequest });
    await expect(start).rejects.toThrow(/gradient worker 1 failed: unknown backend 'no-such-backend'/);
    model.dispose();
  });

  it('refuses more threads than shards', async () => {
    const model = buildLenet(2);
    await expect(ShardedGradients.start(model, ParameterVector.of(model), data, 8, { shards: 2, threads: 3, backend: 'wasm' })).rejects.toThrow(
      /1 ≤ threads ≤ shards/,
    );
    model.dispose();
  });
});

describe('trainEpochs on the wasm backend', () => {
  it('shards by default, on up to two threads', () => {
    expect(defaultSharding()).toMatchObject({ shards: 2, backend: 'wasm' });
    expect(defaultSharding(1)?.threads).toBe(1);
    expect(defaultSharding(8)?.threads).toBe(2);
  });

  it('trains to the same weights, bit for bit, on one thread as on two', async () => {
    const weightsAfter = async (threads: number) => {
      const model = buildLenet(3);
      const epochs = await trainEpochs(model, data, { config: { ...config, epochs: 2 }, seed: 5, masks: MaskBinding.none(), sharding: { shards: 2, threads, backend: 'wasm' } });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return { weights, losses: epochs.map((e) => e.loss) };
    };
    const one = await weightsAfter(1);
    const two = await weightsAfter(2);
    expect(two.losses).toEqual(one.losses);
    expect(two.weights).toEqual(one.weights);
    expect(one.losses[1]!).toBeLessThan(one.losses[0]!);
  });

  it('trains on byte pixels (IDX data, shared, not copied) exactly as on their float values, on both threads', async () => {
    // The synthetic images quantised to bytes, once as bytes in shared memory and once as their float values.
    const bytesOf = (split: Split): Split => {
      const images = new Uint8Array(new SharedArrayBuffer(split.images.length));
      split.images.forEach((v, i) => (images[i] = Math.round(v * 255)));
      const labels = new Uint8Array(new SharedArrayBuffer(split.count));
      labels.set(split.labels);
      return { images, levels: BYTE_TO_UNIT, labels, count: split.count };
    };
    const asBytes = { ...data, train: bytesOf(data.train), test: bytesOf(data.test) };
    const floatsOf = (split: Split): Split => ({ images: imageValues(split), levels: null, labels: split.labels, count: split.count });
    const asFloats = { ...asBytes, train: floatsOf(asBytes.train), test: floatsOf(asBytes.test) };
    const weightsAfter = async (dataset: typeof data) => {
      const model = buildLenet(3);
      await trainEpochs(model, dataset, { config, seed: 5, masks: MaskBinding.none(), sharding: { shards: 2, threads: 2, backend: 'wasm' } });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return weights;
    };
    const fromBytes = await weightsAfter(asBytes);
    expect(fromBytes).toEqual(await weightsAfter(asFloats));
    expect(fromBytes).not.toEqual(await weightsAfter(data)); // the quantisation is real: the test can tell
  });

  it('serves one training task after another on the same pool of workers, as a session does', async () => {
    const twice = async (threads: number) => {
      const workers = threads > 1 ? await GradientWorkers.start(threads - 1, 'wasm') : undefined;
      try {
        const model = buildLenet(4);
        const options = { seed: 6, masks: MaskBinding.none(), sharding: { shards: 2, threads, backend: 'wasm' as const }, workers };
        await trainEpochs(model, data, { ...options, config });
        // A second task with another batch size (new shared buffers) and another optimizer.
        await trainEpochs(model, data, { ...options, config: { ...config, batchSize: 10, optimizer: 'sgd', learningRate: 0.05 } });
        const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
        model.dispose();
        return weights;
      } finally {
        await workers?.close();
      }
    };
    expect(await twice(2)).toEqual(await twice(1));
  });
});
