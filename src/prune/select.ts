/**
 * Selection without sorting: finding the k smallest scores of a tensor with up to tens of millions
 * of entries must cost O(n) time and one copy, not an O(n log n) sort of the whole array.
 */
import type { SeededRandom } from '../util/random.js';

/**
 * The ranking key of an importance score for L1 pruning: |x|, with NaN counted as +Infinity so
 * that selection sees a total order. (torch ranks NaN above +Infinity; l1Unstructured restores
 * that order among the entries tied at an infinite cut.)
 */
export function magnitude(x: number): number {
  const m = Math.abs(x);
  return m === m ? m : Infinity; // m !== m only for NaN
}

function swap(a: Float32Array | Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * Reorders `a` in place so that a[k] holds the value it would have if `a` were sorted ascending,
 * everything before it is <= a[k] and everything after it is >= a[k]; returns a[k].
 * `a` must not contain NaN (map it through magnitude() first).
 *
 * Hoare-style quickselect (Wirth's FIND) with a median-of-three pivot: both scans stop on values
 * equal to the pivot, so arrays full of duplicates (common: many zero weights) still split in
 * halves. A budget of ~2·log2(n) partition rounds guards against adversarial orders; past it the
 * (by then usually small) remaining range is sorted instead (introselect's fallback).
 */
export function selectInPlace(a: Float32Array | Float64Array, k: number): number {
  if (!(k >= 0 && k < a.length)) throw new RangeError(`selectInPlace: k=${String(k)} outside [0, ${String(a.length)})`);
  let lo = 0;
  let hi = a.length - 1;
  let budget = 2 * Math.ceil(Math.log2(a.length + 1)) + 16;
  while (lo < hi) {
    if (budget-- === 0) {
      a.subarray(lo, hi + 1).sort(); // typed-array sort is numeric
      break;
    }
    const mid = lo + ((hi - lo) >> 1);
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    do {
      while (a[i]! < pivot) i++;
      while (pivot < a[j]!) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    } while (i <= j);
    // Now a[lo..j] <= pivot, a[i..hi] >= pivot and anything strictly between equals the pivot.
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
  return a[k]!;
}

/**
 * The cut for "the `count` smallest of these keys": the threshold value and how many keys equal to
 * it are to be taken (the keys strictly below it are all taken). `scratch` is a copy of the keys
 * that this call reorders. Requires 1 <= count <= scratch.length.
 */
export function smallestCut(scratch: Float32Array | Float64Array, count: number): { threshold: number; takeAtThreshold: number } {
  const threshold = selectInPlace(scratch, count - 1);
  // After selection every key strictly below the threshold sits in scratch[0 .. count-2].
  let below = 0;
  for (let i = 0; i < count - 1; i++) if (scratch[i]! < threshold) below++;
  return { threshold, takeAtThreshold: count - below };
}

/**
 * Calls `visit` with exactly `k` distinct indices of 0..n-1, in increasing order, chosen uniformly
 * by `random` (Knuth's selection sampling, Algorithm S): no index array, so it works on 25 million
 * entries with no allocation. Index i is taken with probability (still needed)/(still left), which
 * becomes 1 when the two are equal and 0 when nothing is needed, so the count is always exact.
 */
export function sampleIndices(n: number, k: number, random: SeededRandom, visit: (index: number) => void): void {
  let needed = k;
  for (let i = 0; i < n && needed > 0; i++) {
    if (random.nextFloat() * (n - i) < needed) {
      visit(i);
      needed--;
    }
  }
}
