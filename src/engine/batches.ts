/**
 * Turns a data split (typed arrays) into batch tensors. Batches are copied out of the split in
 * the order of a seeded permutation, so shuffling is reproducible and costs one small copy.
 */
import * as tf from '@tensorflow/tfjs';
import { copyImage, type Split } from '../data/index.js';

export interface BatchTensors {
  readonly images: tf.Tensor4D;
  readonly labels: tf.Tensor1D;
  readonly size: number;
}

export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/**
 * The batch holding entries order[start .. start+batchSize) of the split. The caller disposes the
 * tensors (or creates them inside tf.tidy).
 */
export function makeBatch(
  split: Split,
  imageShape: readonly [number, number, number],
  order: ArrayLike<number> | null,
  start: number,
  batchSize: number,
): BatchTensors {
  const size = Math.min(batchSize, split.count - start);
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  const images = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const source = order === null ? start + i : (order[start + i] as number);
    copyImage(split, source, pixels, images, i * pixels);
    labels[i] = split.labels[source] as number;
  }
  return {
    images: tf.tensor4d(images, [size, imageShape[0], imageShape[1], imageShape[2]]),
    labels: tf.tensor1d(labels, 'int32'),
    size,
  };
}
