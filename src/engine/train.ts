/**
 * The training loop used for initial training and for fine-tuning. Hand-written (variableGrads +
 * applyGradients) rather than model.fit: it has fewer ops per step, reports per-batch progress,
 * stops between steps when asked, and re-applies the pruning masks after every optimizer step —
 * without that, momentum or Adam's moments would revive pruned weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import { EngineError } from '../errors.js';
import type { TrainConfig } from '../recipe/types.js';
import { SeededRandom } from '../util/random.js';
import { batchCount, makeBatch } from './batches.js';
import type { MaskBinding } from './maskBinding.js';

export interface BatchProgress {
  readonly kind: 'batch';
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  /** Means over the epoch so far. */
  readonly loss: number;
  readonly accuracy: number;
}

export interface EpochResult {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly imagesPerSecond: number;
}

export type TrainEvent = BatchProgress | EpochResult;

export interface TrainOptions {
  readonly config: TrainConfig;
  readonly seed: number;
  readonly masks: MaskBinding;
  readonly onEvent?: ((event: TrainEvent) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createOptimizer(config: TrainConfig): tf.Optimizer {
  switch (config.optimizer) {
    case 'sgd':
      return tf.train.sgd(config.learningRate);
    case 'adam':
      return tf.train.adam(config.learningRate);
  }
}

/** Softmax cross-entropy on logits: the model's last layer has no activation, as the seed's. */
function lossAndCorrect(model: tf.LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D, numClasses: number) {
  const logits = model.apply(images, { training: true }) as tf.Tensor2D;
  const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits) as tf.Scalar;
  const correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar);
  return { loss, correct };
}

export async function trainEpochs(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<EpochResult[]> {
  const { config, masks, onEvent, signal } = options;
  const split = data.train;
  if (split.count === 0) throw new EngineError('NO_TRAINING_DATA', 'the training split is empty');
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = createOptimizer(config);
  const random = new SeededRandom(options.seed);
  const batches = batchCount(split.count, config.batchSize);
  const results: EpochResult[] = [];
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const order = random.permutation(split.count);
      const started = performance.now();
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        // The wasm backend resolves data() in microtasks only: without a turn of the event loop
        // here, Ctrl-C (a signal event) and progress redraws (timers) would wait for the end.
        await yieldToEventLoop();
        signal?.throwIfAborted();
        const batch = makeBatch(split, data.imageShape, order, b * config.batchSize, config.batchSize);
        // variableGrads returns only the loss; the correct count leaves its tidy through here.
        const kept: { correct?: tf.Scalar } = {};
        try {
          const { value, grads } = tf.variableGrads(() => {
            const out = lossAndCorrect(model, batch.images, batch.labels, data.numClasses);
            kept.correct = out.correct;
            return out.loss;
          }, variables);
          optimizer.applyGradients(grads);
          tf.dispose(grads);
          masks.enforce();
          lossSum += (await value.data())[0]! * batch.size;
          correctSum += kept.correct === undefined ? 0 : (await kept.correct.data())[0]!;
          value.dispose();
        } finally {
          kept.correct?.dispose();
          batch.images.dispose();
          batch.labels.dispose();
        }
        seen += batch.size;
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
      onEvent?.(result);
    }
  } finally {
    optimizer.dispose();
  }
  return results;
}
