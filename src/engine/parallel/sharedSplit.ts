/**
 * A split as the worker threads read it: its arrays in shared memory, so a task's or an
 * evaluation's message carries the split itself and the structured clone shares its buffers
 * rather than copying them (only a byte split's 256 levels are copied). Byte splits are loaded
 * into shared memory (data/pixels.ts) and go as they are; float splits (synthetic data) are
 * copied there once and the copy is reused by every later task on the same split.
 */
import type { Split } from '../../data/index.js';

const copies = new WeakMap<Split, Split>();

const isShared = (array: Uint8Array | Float32Array) => array.buffer instanceof SharedArrayBuffer;

function sharedCopy<T extends Uint8Array | Float32Array>(array: T, make: (buffer: SharedArrayBuffer) => T): T {
  const copy = make(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

export function sharedSplit(split: Split): Split {
  if (isShared(split.images) && isShared(split.labels)) return split;
  let shared = copies.get(split);
  if (shared === undefined) {
    const labels = sharedCopy(split.labels, (b) => new Uint8Array(b));
    shared =
      split.levels === null
        ? { images: sharedCopy(split.images, (b) => new Float32Array(b)), levels: null, labels, count: split.count }
        : { images: sharedCopy(split.images, (b) => new Uint8Array(b)), levels: split.levels, labels, count: split.count };
    copies.set(split, shared);
  }
  return shared;
}
