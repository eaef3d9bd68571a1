/**
 * One optimizer step of the training loop, in two implementations with the same contract:
 *
 * - `shardedStep` (the wasm backend): the batch gradient in fixed shards on the main thread and
 *   worker threads (parallel/shardedGradients.ts), then one fused pass of a flat optimizer with the
 *   masks (optimizer.ts), then the new weights into the model. Measured on LeNet (2 cores): see
 *   bench/README.md.
 * - `tfjsStep` (tfjs-node, cpu): tf.variableGrads and a TF.js optimizer, masks multiplied in after
 *   the step. tfjs-node runs its kernels multithreaded itself and keeps weights in native memory,
 *   where a copy of every weight per step would cost more than it saves.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import type { TrainConfig } from '../recipe/types.js';
import { makeBatch } from './batches.js';
import { crossEntropySum, outputKindOf } from './loss.js';
import type { MaskBinding } from './maskBinding.js';
import { createFlatOptimizer } from './optimizer.js';
import { ParameterVector } from './parameterVector.js';
import type { GradientWorkers } from './parallel/gradientWorkers.js';
import { ShardedGradients, type BatchOutcome, type ShardingOptions } from './parallel/shardedGradients.js';

export interface TrainingStep {
  /** Trains on order[start, start + batchSize): gradient, update, masks; returns the batch's mean loss and hits. */
  run(order: Uint32Array, start: number, batchSize: number): Promise<BatchOutcome>;
  /**
   * After the model's masks and weights changed between steps (a scheduled mask update): enforce
   * `masks` from now on and train on from the variables' values. Optimizer state carries over; a
   * newly pruned entry's moments never reach its weight again, because masks only grow.
   */
  setMasks(masks: MaskBinding): void;
  dispose(): Promise<void>;
}

export function createTfjsOptimizer(config: TrainConfig): tf.Optimizer {
  switch (config.optimizer) {
    case 'sgd':
      return tf.train.sgd(config.learningRate);
    case 'adam':
      return tf.train.adam(config.learningRate);
  }
}

export function tfjsStep(model: tf.LayersModel, data: Dataset, config: TrainConfig, initialMasks: MaskBinding): TrainingStep {
  let masks = initialMasks;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createTfjsOptimizer(config);
  const kind = outputKindOf(model);
  return {
    async run(order, start, batchSize) {
      const batch = makeBatch(data.train, data.imageShape, order, start, batchSize);
      // variableGrads returns only the loss; the correct count leaves its tidy through here.
      const kept: { correct?: tf.Scalar } = {};
      try {
        const { value, grads } = tf.variableGrads(() => {
          const outputs = model.apply(batch.images, { training: true }) as tf.Tensor2D;
          kept.correct = tf.keep(tf.sum<tf.Scalar>(tf.cast(tf.equal(tf.argMax(outputs, 1), batch.labels), 'float32')));
          return tf.div<tf.Scalar>(crossEntropySum(outputs, batch.labels, data.numClasses, kind), batch.size);
        }, variables);
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        masks.enforce();
        const loss = (await value.data())[0]!;
        value.dispose();
        const correct = kept.correct === undefined ? 0 : (await kept.correct.data())[0]!;
        return { loss, correct, size: batch.size };
      } finally {
        kept.correct?.dispose();
        batch.images.dispose();
        batch.labels.dispose();
      }
    },
    setMasks(next) {
      // The TF.js optimizer updates the variables themselves, which the mask update already wrote.
      masks = next;
    },
    dispose() {
      optimizer.dispose();
      return Promise.resolve();
    },
  };
}

export async function shardedStep(
  model: tf.LayersModel,
  data: Dataset,
  config: TrainConfig,
  masks: MaskBinding,
  sharding: ShardingOptions,
  workers?: GradientWorkers,
): Promise<TrainingStep> {
  const vector = ParameterVector.of(model);
  let mask = masks.flatMask(vector);
  const optimizer = createFlatOptimizer(config, vector.size);
  const gradients = await ShardedGradients.start(model, vector, data, config.batchSize, sharding, workers);
  return {
    async run(order, start, batchSize) {
      const outcome = await gradients.step(order, start, batchSize);
      optimizer.step(gradients.weights, gradients.gradients, mask);
      vector.write(gradients.weights);
      return outcome;
    },
    setMasks(next) {
      mask = next.flatMask(vector);
      // The shared weights (what the workers and the optimizer read) from the pruned variables.
      vector.read(gradients.weights);
    },
    dispose() {
      return gradients.close();
    },
  };
}
