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

const EVAL_BATCH = 500;

export async function evaluate(model: tf.LayersModel, data: Dataset, split: Split = data.test): Promise<Evaluation> {
  const started = performance.now();
  let lossSum = 0;
  let correct = 0;
  const kind = outputKindOf(model);
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const sums = tf.tidy(() => {
      const batch = makeBatch(split, data.imageShape, null, start, EVAL_BATCH);
      const outputs = model.apply(batch.images, { training: false }) as tf.Tensor2D;
      const loss = crossEntropySum(outputs, batch.labels, data.numClasses, kind);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), batch.labels), 'float32'));
      return tf.stack([loss, hits]);
    });
    const [loss, hits] = await sums.data();
    sums.dispose();
    lossSum += loss!;
    correct += hits!;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    loss: split.count > 0 ? lossSum / split.count : Number.NaN,
    accuracy: split.count > 0 ? correct / split.count : Number.NaN,
    count: split.count,
    imagesPerSecond: split.count / seconds,
  };
}
