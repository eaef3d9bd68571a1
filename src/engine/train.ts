/**
 * The training loop used for initial training and for fine-tuning. Hand-written rather than
 * model.fit: it has fewer ops per step, reports per-batch progress, stops between steps when
 * asked, and keeps the pruning masks after every optimizer step — without that, momentum or
 * Adam's moments would revive pruned weights. What one step does is trainingStep.ts's.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import { EngineError } from '../errors.js';
import type { TrainConfig } from '../recipe/types.js';
import { yieldToEventLoop } from '../util/eventLoop.js';
import { SeededRandom } from '../util/random.js';
import { batchCount } from './batches.js';
import type { MaskBinding } from './maskBinding.js';
import type { GradientWorkers } from './parallel/gradientWorkers.js';
import type { ShardingOptions } from './parallel/shardedGradients.js';
import { shardedStep, tfjsStep, type TrainingStep } from './trainingStep.js';
import type { EpochResult, OptimizerState } from './trainingProgress.js';
import { GRADIENT_SHARDS } from './gradientShards.js';

/** Where an earlier run of the same training stopped (an epoch checkpoint). */
export interface TrainingResume {
  readonly epochsDone: number;
  readonly epochs: readonly EpochResult[];
  readonly optimizer: OptimizerState;
}

/** `epochs`: the training config's, the count the batch's epoch is one of. */
export interface BatchProgress extends Pick<TrainConfig, 'epochs'> {
  readonly kind: 'batch';
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  /** Means over the epoch so far. */
  readonly loss: number;
  readonly accuracy: number;
}

export type { EpochResult } from './trainingProgress.js';

export type TrainEvent = BatchProgress | EpochResult;

export interface TrainOptions {
  readonly config: TrainConfig;
  readonly seed: number;
  readonly masks: MaskBinding;
  readonly onEvent?: ((event: TrainEvent) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * How the wasm backend splits each batch's gradient over threads (see defaultSharding); null for
   * the TF.js optimizers' loop. Default: defaultSharding() for the active backend.
   */
  readonly sharding?: ShardingOptions | null | undefined;
  /** Worker threads to compute shards on, kept by the caller across tasks; else started and stopped here. */
  readonly workers?: GradientWorkers | undefined;
  /** Mask updates between steps (scheduled pruning); none when absent. */
  readonly maskUpdates?: MaskUpdates | undefined;
  /** Called at the end of each epoch, before its event (weight snapshots for rewinding). */
  readonly afterEpoch?: ((epoch: number) => void) | undefined;
  /**
   * Goes on from an epoch checkpoint: the model's weights and masks are already the checkpoint's;
   * the batch orders of the finished epochs are drawn and skipped, so later epochs see the orders
   * an uninterrupted run would.
   */
  readonly resume?: TrainingResume | undefined;
  /**
   * Called after each epoch but the last, after its event, and awaited before the next batch (so a
   * stop requested meanwhile finds the checkpoint written): the state to go on from.
   */
  readonly onEpochEnd?: ((progress: TrainingResume) => Promise<void>) | undefined;
}

/**
 * Changes the model's masks between training steps. `step` counts the task's steps from 0; an
 * update before step t sees the weights after t steps. After the last step the loop asks once more
 * with step = the task's step count.
 */
export interface MaskUpdates {
  /** Applies the updates due at `step`; returns the masks to enforce from now on, or null if none was due. */
  before(step: number): MaskBinding | null;
}


/** The wasm backend's sharding with up to `threads` threads (default: one per core, at most GRADIENT_SHARDS); null elsewhere. */
export function defaultSharding(threads?: number): ShardingOptions | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wanted = threads ?? availableParallelism();
  return { shards: GRADIENT_SHARDS, threads: Math.max(1, Math.min(GRADIENT_SHARDS, wanted)), backend: 'wasm' };
}


export async function trainEpochs(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<EpochResult[]> {
  const { config, masks, onEvent, signal } = options;
  const split = data.train;
  if (split.count === 0) throw new EngineError('NO_TRAINING_DATA', 'the training split is empty');
  const sharding = options.sharding === undefined ? defaultSharding() : options.sharding;
  const step: TrainingStep = sharding === null ? tfjsStep(model, data, config, masks) : await shardedStep(model, data, config, masks, sharding, options.workers);
  const random = new SeededRandom(options.seed);
  const batches = batchCount(split.count, config.batchSize);
  const results: EpochResult[] = [];
  // Bindings made by mask updates are this loop's to free (the caller owns `masks`).
  const bindings: MaskBinding[] = [];
  const updateMasks = (globalStep: number) => {
    const binding = options.maskUpdates?.before(globalStep) ?? null;
    if (binding === null) return;
    bindings.push(binding);
    step.setMasks(binding);
  };
  const resume = options.resume;
  try {
    if (resume !== undefined) {
      await step.restoreOptimizer(resume.optimizer);
      results.push(...resume.epochs);
    }
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const order = random.permutation(split.count);
      if (resume !== undefined && epoch <= resume.epochsDone) continue;
      const started = performance.now();
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        // The wasm backend resolves data() in microtasks only: without a turn of the event loop
        // here, Ctrl-C (a signal event) and progress redraws (timers) would wait for the end.
        await yieldToEventLoop();
        signal?.throwIfAborted();
        updateMasks((epoch - 1) * batches + b);
        const outcome = await step.run(order, b * config.batchSize, config.batchSize);
        lossSum += outcome.loss * outcome.size;
        correctSum += outcome.correct;
        seen += outcome.size;
        onEvent?.({ kind: 'batch', epoch, epochs: config.epochs, batch: b + 1, batches, loss: lossSum / seen, accuracy: correctSum / seen });
      }
      const seconds = (performance.now() - started) / 1000;
      const result: EpochResult = {
        kind: 'epoch',
        epoch,
        epochs: config.epochs,
        loss: lossSum / seen,
        accuracy: correctSum / seen,
        imagesPerSecond: seen / seconds,
      };
      results.push(result);
      options.afterEpoch?.(epoch);
      onEvent?.(result);
      if (options.onEpochEnd !== undefined && epoch < config.epochs) {
        await options.onEpochEnd({ epochsDone: epoch, epochs: [...results], optimizer: await step.optimizerState() });
      }
    }
    updateMasks(config.epochs * batches);
  } finally {
    await step.dispose();
    for (const binding of bindings) binding.dispose();
  }
  return results;
}
