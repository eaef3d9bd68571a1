/**
 * Weights as plain host memory. Compaction slices and folds a few small arrays once, so doing it
 * in JavaScript keeps it exact (sums in float64) and leaves no tensor to dispose.
 */

export interface HostArray {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

function product(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

/** The entries whose index along `axis` is in `keep` (ascending), as numpy's take. */
export function takeAlong(array: HostArray, axis: number, keep: readonly number[]): HostArray {
  const { shape, values } = array;
  const outer = product(shape.slice(0, axis));
  const length = shape[axis] ?? 1;
  const inner = product(shape.slice(axis + 1));
  const result = new Float32Array(outer * keep.length * inner);
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const k of keep) {
      const from = (o * length + k) * inner;
      result.set(values.subarray(from, from + inner), at);
      at += inner;
    }
  }
  const newShape = [...shape];
  newShape[axis] = keep.length;
  return { shape: newShape, values: result };
}

/** 0..size-1 without `removed`. */
export function complement(size: number, removed: readonly number[]): number[] {
  const gone = new Set(removed);
  const kept: number[] = [];
  for (let i = 0; i < size; i++) if (!gone.has(i)) kept.push(i);
  return kept;
}
