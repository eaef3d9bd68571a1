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
import { EngineError } from '../errors.js';
import { makeBatch } from './batches.js';
import { crossEntropySum, outputKindOf } from './loss.js';
import type { MaskBinding } from './maskBinding.js';
import { createFlatOptimizer } from './optimizer.js';
import { ParameterVector } from './parameterVector.js';
import type { GradientWorkers } from './parallel/gradientWorkers.js';
import { ShardedGradients, type BatchOutcome, type ShardingOptions } from './parallel/shardedGradients.js';
import type { OptimizerState } from './trainingProgress.js';

export interface TrainingStep {
  /** Trains on order[start, start + batchSize): gradient, update, masks; returns the batch's mean loss and hits. */
  run(order: Uint32Array, start: number, batchSize: number): Promise<BatchOutcome>;
  /**
   * After the model's masks and weights changed between steps (a scheduled mask update): enforce
   * `masks` from now on and train on from the variables' values. Optimizer state carries over; a
   * newly pruned entry's moments never reach its weight again, because masks only grow.
   */
  setMasks(masks: MaskBinding): void;
  /** A copy of the optimizer's state, for an epoch checkpoint. */
  optimizerState(): Promise<OptimizerState>;
  /** Puts back an optimizerState() before the first step, to go on from a checkpoint. */
  restoreOptimizer(state: OptimizerState): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * TF.js's Adam keeps β1^t and β2^t as float32 products; its setWeights recomputes them as
 * pow(β, t + 1), which can differ by a rounding and then changes every later step. An epoch
 * checkpoint carries the products as they are and puts them back.
 */
interface AdamPowers {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

async function tfjsOptimizerState(config: TrainConfig, optimizer: tf.Optimizer): Promise<OptimizerState> {
  const slots = await optimizer.getWeights();
  const arrays = new Map<string, Float32Array>();
  const numbers: Record<string, number> = {};
  for (const [index, slot] of slots.entries()) {
    // The iteration count comes as a new int32 scalar (disposed here); the slots are the optimizer's variables.
    if (slot.name === 'iter') {
      numbers['iterations'] = (await slot.tensor.data())[0]!;
      slot.tensor.dispose();
    } else {
      arrays.set(`${String(index)}:${slot.name}`, Float32Array.from(await slot.tensor.data()));
    }
  }
  const powers = optimizer as unknown as AdamPowers;
  if (powers.accBeta1 !== undefined && powers.accBeta2 !== undefined) {
    numbers['beta1Power'] = (await powers.accBeta1.data())[0]!;
    numbers['beta2Power'] = (await powers.accBeta2.data())[0]!;
  }
  return { optimizer: config.optimizer, arrays, numbers };
}

async function restoreTfjsOptimizer(config: TrainConfig, optimizer: tf.Optimizer, variables: readonly tf.Variable[], state: OptimizerState): Promise<void> {
  const values = [...state.arrays.values()];
  // Adam: a first and a second moment per variable (in the variables' order); SGD: nothing.
  const perVariable = config.optimizer === 'adam' ? 2 : 0;
  const fits =
    state.optimizer === config.optimizer &&
    values.length === perVariable * variables.length &&
    values.every((v, i) => v.length === variables[i % variables.length]!.size);
  if (!fits) throw new EngineError('OPTIMIZER_STATE', `the checkpoint's optimizer state (${state.optimizer}, ${String(values.length)} slots) does not fit this ${config.optimizer} over ${String(variables.length)} variables`);
  const slots = [...state.arrays].map(([key, v], i) => ({ name: key.slice(key.indexOf(':') + 1), tensor: tf.tensor(v, variables[i % variables.length]!.shape) }));
  const iterations = tf.scalar(state.numbers['iterations'] ?? 0, 'int32');
  try {
    await optimizer.setWeights([{ name: 'iter', tensor: iterations }, ...slots]);
  } finally {
    tf.dispose([iterations, ...slots.map((s) => s.tensor)]);
  }
  const powers = optimizer as unknown as AdamPowers;
  const [p1, p2] = [state.numbers['beta1Power'], state.numbers['beta2Power']];
  if (p1 !== undefined && p2 !== undefined) {
    tf.tidy(() => {
      powers.accBeta1?.assign(tf.scalar(p1));
      powers.accBeta2?.assign(tf.scalar(p2));
    });
  }
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
    optimizerState: () => tfjsOptimizerState(config, optimizer),
    restoreOptimizer: (state) => restoreTfjsOptimizer(config, optimizer, variables, state),
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
    optimizerState: () => Promise.resolve(optimizer.state()),
    restoreOptimizer(state) {
      optimizer.restore(state);
      return Promise.resolve();
    },
    dispose() {
      return gradients.close();
    },
  };
}
