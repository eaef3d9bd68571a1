/**
 * Building splits: checking requested sizes, choosing rows with a seeded shuffle, and copying
 * the chosen rows into compact typed arrays. Shared by the MNIST and IDX loaders so both pick
 * rows the same way.
 */
import { DataError } from '../errors.js';
import { SeededRandom } from '../util/random.js';
import type { Split } from './types.js';

/** Throws a DataError unless `value` is a positive integer no larger than `available`. */
export function checkSize(what: string, value: number, available: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new DataError('DATA_SIZE', `${what} must be a positive integer, got ${value}`);
  }
  if (value > available) {
    throw new DataError('DATA_SIZE', `${what} is ${value} but only ${available} images are available`);
  }
}

/**
 * The first `take` entries of a seeded permutation of 0..count-1. The stream is derived from the
 * seed by label, so each use (train cap, test cap, MNIST split) gets its own reproducible order.
 */
export function seededRows(count: number, take: number, seed: number, label: string): Uint32Array {
  return SeededRandom.derive(seed, label).permutation(count).subarray(0, take);
}

/** Rows 0..count-1 in file order, for when no cap asks for a shuffle. */
export function allRows(count: number): Uint32Array {
  const rows = new Uint32Array(count);
  for (let i = 0; i < count; i++) rows[i] = i;
  return rows;
}

/**
 * Copies the chosen images and labels into a new Split. Byte pixels stay bytes (pixels.ts), in
 * shared memory with their labels, so training's worker thread reads this copy rather than one of
 * its own; float pixels are taken as they are (they are already in [0, 1]).
 */
export function gatherSplit(
  pixels: Uint8Array | Float32Array,
  labels: Uint8Array,
  rows: ArrayLike<number>,
  imageSize: number,
): Split {
  const count = rows.length;
  const images = pixels instanceof Float32Array ? new Float32Array(count * imageSize) : new Uint8Array(new SharedArrayBuffer(count * imageSize));
  const chosenLabels = new Uint8Array(pixels instanceof Float32Array ? new ArrayBuffer(count) : new SharedArrayBuffer(count));
  for (let i = 0; i < count; i++) {
    const row = rows[i] as number;
    const from = row * imageSize;
    images.set(pixels.subarray(from, from + imageSize), i * imageSize);
    chosenLabels[i] = labels[row] as number;
  }
  return { images, labels: chosenLabels, count };
}
