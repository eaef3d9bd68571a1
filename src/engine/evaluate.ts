/** Loss and accuracy of a model on a data split, in batches, without training-mode layers. */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from '../data/index.js';
import { makeBatch } from './batches.js';
import { crossEntropySum, outputKindOf } from './loss.js';

export interface Evaluation {
  readonly loss: number;
  readonly accuracy: number;
  readonly count: number;
  readonly imagesPerSecond: number;
}

/** What an evaluation reads: a split and how its images and labels are shaped. */
export interface EvaluationInput {
  readonly split: Split;
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
}

/** The sums an evaluation is made of: Σ cross-entropy and correct predictions over the split. */
export interface EvaluationSums {
  readonly lossSum: number;
  readonly correct: number;
  readonly count: number;
}

const EVAL_BATCH = 500;

/**
 * The split's sums, batch by batch in order. The main thread and the gradient workers
 * (sensitivity analysis) run this same function, so on one backend they give the same bits.
 */
export async function evaluationSums(model: tf.LayersModel, input: EvaluationInput): Promise<EvaluationSums> {
  const { split } = input;
  let lossSum = 0;
  let correct = 0;
  const kind = outputKindOf(model);
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const sums = tf.tidy(() => {
      const batch = makeBatch(split, input.imageShape, null, start, EVAL_BATCH);
      const outputs = model.apply(batch.images, { training: false }) as tf.Tensor2D;
      const loss = crossEntropySum(outputs, batch.labels, input.numClasses, kind);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), batch.labels), 'float32'));
      return tf.stack([loss, hits]);
    });
    const [loss, hits] = await sums.data();
    sums.dispose();
    lossSum += loss!;
    correct += hits!;
  }
  return { lossSum, correct, count: split.count };
}

/** Mean loss and accuracy from the sums (NaN for an empty split). */
export function meanOf(sums: EvaluationSums): { loss: number; accuracy: number } {
  return {
    loss: sums.count > 0 ? sums.lossSum / sums.count : Number.NaN,
    accuracy: sums.count > 0 ? sums.correct / sums.count : Number.NaN,
  };
}

export async function evaluate(model: tf.LayersModel, data: Dataset, split: Split = data.test): Promise<Evaluation> {
  const started = performance.now();
  const sums = await evaluationSums(model, { split, imageShape: data.imageShape, numClasses: data.numClasses });
  const seconds = (performance.now() - started) / 1000;
  return { ...meanOf(sums), count: split.count, imagesPerSecond: split.count / seconds };
}
