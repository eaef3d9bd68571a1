/**
 * Building splits: checking requested sizes, choosing rows with a seeded shuffle, and copying
 * the chosen rows into compact typed arrays. Shared by the MNIST and IDX loaders so both pick
 * rows the same way.
 */
import { DataError } from '../errors.js';
import type { RandomStreams } from '../util/random.js';
import { sharedBytes } from './pixels.js';
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
 * The first `take` entries of a seeded permutation of 0..count-1. Each use (train cap, test cap,
 * MNIST split) draws from its own labelled stream, so each gets its own reproducible order.
 */
export function seededRows(count: number, take: number, streams: RandomStreams, label: string): Uint32Array {
  return streams.stream(label).permutation(count).subarray(0, take);
}

/**
 * Copies the chosen images and labels into a new Split of the same kind. Byte pixels stay bytes
 * with their levels (pixels.ts), in shared memory with their labels, so training's worker thread
 * reads this copy rather than one of its own; float pixels are taken as they are.
 */
export function gatherSplit(source: Split, rows: ArrayLike<number>, imageSize: number): Split {
  const count = rows.length;
  const labels = source.levels === null ? new Uint8Array(count) : sharedBytes(count);
  const gather = <T extends Uint8Array | Float32Array>(images: T, into: T): T => {
    for (let i = 0; i < count; i++) {
      const row = rows[i] as number;
      const from = row * imageSize;
      into.set(images.subarray(from, from + imageSize), i * imageSize);
      labels[i] = source.labels[row] as number;
    }
    return into;
  };
  if (source.levels === null) return { images: gather(source.images, new Float32Array(count * imageSize)), levels: null, labels, count };
  return { images: gather(source.images, sharedBytes(count * imageSize)), levels: source.levels, labels, count };
}

/** The first `count` images of a split as a split of their own: views of its arrays, no copy. */
export function headOf(split: Split, count: number, imageSize: number): Split {
  const n = Math.min(count, split.count);
  const labels = split.labels.subarray(0, n);
  if (split.levels === null) return { images: split.images.subarray(0, n * imageSize), levels: null, labels, count: n };
  return { images: split.images.subarray(0, n * imageSize), levels: split.levels, labels, count: n };
}
