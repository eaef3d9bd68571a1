import { describe, expect, it } from 'vitest';
import { sampleIndices, selectInPlace, smallestCut } from '../../src/prune/select.js';
import { SeededRandom } from '../../src/util/random.js';

function sortedCopy(a: Float32Array): Float32Array {
  return Float32Array.from(a).sort();
}

function patterns(n: number, random: SeededRandom): Record<string, Float32Array> {
  const r = () => new Float32Array(n).map(() => random.nextFloat() * 2 - 1);
  return {
    random: r(),
    sorted: new Float32Array(n).map((_, i) => i),
    reversed: new Float32Array(n).map((_, i) => n - i),
    allEqual: new Float32Array(n).fill(3),
    fewValues: new Float32Array(n).map(() => random.nextInt(3)),
    organPipe: new Float32Array(n).map((_, i) => Math.min(i, n - i)),
    sawtooth: new Float32Array(n).map((_, i) => i % 7),
  };
}

describe('selectInPlace', () => {
  it('returns the k-th smallest and partitions around it, for every k of small arrays', () => {
    const random = new SeededRandom(7);
    for (const n of [1, 2, 3, 5, 8, 17, 64]) {
      for (const [name, values] of Object.entries(patterns(n, random))) {
        const sorted = sortedCopy(values);
        for (let k = 0; k < n; k++) {
          const a = Float32Array.from(values);
          const v = selectInPlace(a, k);
          expect(v, `${name} n=${String(n)} k=${String(k)}`).toBe(sorted[k]);
          for (let i = 0; i < k; i++) expect(a[i]!).toBeLessThanOrEqual(v);
          for (let i = k + 1; i < n; i++) expect(a[i]!).toBeGreaterThanOrEqual(v);
          expect(sortedCopy(a)).toEqual(sorted); // a permutation of the input
        }
      }
    }
  });

  it('handles large arrays with many duplicates', () => {
    const random = new SeededRandom(8);
    for (const [name, values] of Object.entries(patterns(100_003, random))) {
      const sorted = sortedCopy(values);
      for (const k of [0, 1, 50_000, 99_999, 100_002]) {
        expect(selectInPlace(Float32Array.from(values), k), name).toBe(sorted[k]);
      }
    }
  });

  it('works on Float64Array too and rejects k out of range', () => {
    expect(selectInPlace(Float64Array.from([3, 1, 2]), 1)).toBe(2);
    expect(() => selectInPlace(new Float32Array(3), 3)).toThrow(RangeError);
  });
});

describe('smallestCut', () => {
  it('says how many entries equal to the threshold to take', () => {
    // sorted: 1 2 2 2 5 → the 3 smallest are 1, 2, 2: threshold 2, take two of the three 2s
    expect(smallestCut(Float32Array.from([2, 5, 2, 1, 2]), 3)).toEqual({ threshold: 2, takeAtThreshold: 2 });
    expect(smallestCut(Float32Array.from([4, 3]), 1)).toEqual({ threshold: 3, takeAtThreshold: 1 });
  });
});

describe('sampleIndices', () => {
  it('visits exactly k distinct indices in increasing order', () => {
    const random = new SeededRandom(3);
    for (const [n, k] of [[0, 0], [1, 1], [7, 3], [101, 50], [1000, 1000], [1000, 0]] as const) {
      const seen: number[] = [];
      sampleIndices(n, k, random, (i) => seen.push(i));
      expect(seen).toHaveLength(k);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
      for (const i of seen) expect(i >= 0 && i < n).toBe(true);
    }
  });

  it('is roughly uniform', () => {
    const random = new SeededRandom(4);
    const hits = new Array<number>(10).fill(0);
    for (let t = 0; t < 20_000; t++) sampleIndices(10, 3, random, (i) => hits[i]!++);
    for (const h of hits) expect(Math.abs(h - 6000)).toBeLessThan(400);
  });
});
