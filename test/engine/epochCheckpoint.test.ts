/**
 * Resume inside training: the state an epoch checkpoint keeps (weights, and the optimizer's state
 * through the checkpoint file format) is enough to go on from that epoch and end with the weights
 * of a training never stopped, bit for bit — on the sharded wasm path (flat Adam) and on TF.js's
 * own optimizer loop.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/cache/state.js';
import { syntheticDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildArchitecture } from '../../src/engine/builtinModels.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import type { ShardingOptions } from '../../src/engine/parallel/shardedGradients.js';
import { trainEpochs, type TrainingResume } from '../../src/engine/train.js';
import { mobilenetArchitecture } from '../../src/models/mobilenet.js';
import type { TrainConfig } from '../../src/recipe/types.js';

const data = syntheticDataset({ trainCount: 96, testCount: 8, seed: 5 });

beforeAll(async () => {
  await selectBackend('wasm');
});

const weightsOf = (model: tf.LayersModel): Float32Array[] => model.weights.map((w) => Float32Array.from(w.read().dataSync()));

/** The progress as it comes back from a checkpoint file. */
function throughCheckpointFile(progress: TrainingResume): TrainingResume {
  const bytes = encodeCheckpoint({
    taskId: 'train',
    key: '0'.repeat(64),
    state: { weights: new Map(), pruning: [], snapshots: new Map() },
    record: { training: [], pruning: [], evaluations: [] },
    metrics: [],
    training: { ...progress, maskUpdates: [] },
  });
  const training = decodeCheckpoint(bytes).training;
  if (training === undefined) throw new Error('the checkpoint lost its training progress');
  return training;
}

/** A small MobileNet: batch norm (over the whole batch, its moving statistics among the weights), depthwise convs. */
const mobilenet = (seed: number) => buildArchitecture(mobilenetArchitecture({ inputShape: [28, 28, 1], classes: 10, width: 0.25 }), seed);

const paths: [string, ShardingOptions | null, TrainConfig, (seed: number) => tf.LayersModel][] = [
  ['sharded, flat Adam', { shards: 2, threads: 1, backend: 'wasm' }, { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01 }, buildLenet],
  ['TF.js Adam', null, { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01 }, buildLenet],
  ['sharded, SGD', { shards: 2, threads: 1, backend: 'wasm' }, { epochs: 3, batchSize: 16, optimizer: 'sgd', learningRate: 0.05 }, buildLenet],
  ['sharded on two threads, batch norm', { shards: 2, threads: 2, backend: 'wasm' }, { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01 }, mobilenet],
];

describe.each(paths)('an epoch checkpoint (%s)', (_name, sharding, config, build) => {
  it('goes on to the weights of a training never stopped, bit for bit', async () => {
    const options = { config, seed: 9, sharding };
    const whole = build(3);
    const none = MaskBinding.none();
    const wholeResults = await trainEpochs(whole, data, { ...options, masks: none });

    // A second run, stopped (in effect) after epoch 1: its weights and progress there.
    const stopped = build(3);
    let atEpoch1: { weights: Float32Array[]; progress: TrainingResume } | null = null;
    await trainEpochs(stopped, data, {
      ...options,
      masks: none,
      onEpochEnd: (progress) => {
        if (progress.epochsDone === 1) atEpoch1 = { weights: weightsOf(stopped), progress };
        return Promise.resolve();
      },
    });
    expect(atEpoch1).not.toBeNull();
    const saved = atEpoch1 as unknown as { weights: Float32Array[]; progress: TrainingResume };

    const resumed = build(4); // other initial weights: the checkpoint's must replace them
    resumed.weights.forEach((w, i) => w.write(tf.tensor(saved.weights[i]!, w.shape as number[])));
    const tensorsBefore = tf.memory().numTensors;
    const resumedResults = await trainEpochs(resumed, data, { ...options, masks: none, resume: throughCheckpointFile(saved.progress) });
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    expect(resumedResults.map((r) => [r.epoch, r.loss, r.accuracy])).toEqual(wholeResults.map((r) => [r.epoch, r.loss, r.accuracy]));
    const [a, b] = [weightsOf(whole), weightsOf(resumed)];
    for (const [i, values] of a.entries()) expect(Buffer.from(b[i]!.buffer).equals(Buffer.from(values.buffer))).toBe(true);
    for (const model of [whole, stopped, resumed]) model.dispose();
  }, 60_000);
});

describe('an optimizer state of another optimizer', () => {
  it('is refused by name, not silently used', async () => {
    const model = buildLenet(3);
    const adamState = { optimizer: 'adam' as const, arrays: new Map([['first', new Float32Array(3)], ['second', new Float32Array(3)]]), numbers: { beta1Power: 0.9, beta2Power: 0.999 } };
    const config: TrainConfig = { epochs: 1, batchSize: 16, optimizer: 'adam', learningRate: 0.01 };
    const resume = { epochsDone: 0, epochs: [], optimizer: adamState };
    await expect(trainEpochs(model, data, { config, seed: 1, masks: MaskBinding.none(), sharding: { shards: 2, threads: 1, backend: 'wasm' }, resume })).rejects.toThrow(
      /optimizer state \(adam: first 3, second 3\) does not fit this adam over 60074 weights/,
    );
    model.dispose();
  });
});
