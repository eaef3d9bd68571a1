/**
 * Scale: a million entries through every path (local twice, global, random) with exact counts and
 * a clean cut. The 25-million scale, with times and memory, is the bench's case 3 (bench/README.md):
 * it cost ~8 s and ~500 MB per suite run here, and no unit test measures time.
 */
import { describe, expect, it } from 'vitest';
import { l1Unstructured, pruneGlobal, pruneParameter, randomUnstructured } from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { cutIsClean, state, zeros } from './helpers.js';

const N = 1_000_000;

function weights(n: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = random.nextFloat() * 2 - 1;
  return w;
}

function maxPrunedBelowMinKept(w: Float32Array, mask: Uint8Array): boolean {
  let maxPruned = -Infinity;
  let minKept = Infinity;
  for (let i = 0; i < w.length; i++) {
    const m = Math.abs(w[i]!);
    if (mask[i] === 0) {
      if (m > maxPruned) maxPruned = m;
    } else if (m < minKept) minKept = m;
  }
  return maxPruned <= minKept;
}

describe('a million entries', () => {
  it('l1 local, twice (container path), then global over two halves', () => {
    const s = state('big/kernel', [1000, 1000], weights(N, 1));
    pruneParameter(s, l1Unstructured({ amount: 0.5 }));
    expect(zeros(s.mask)).toBe(N / 2);
    expect(maxPrunedBelowMinKept(s.values, s.mask)).toBe(true);
    pruneParameter(s, l1Unstructured({ amount: 0.3 }));
    expect(zeros(s.mask)).toBe(N / 2 + 150_000);
    expect(maxPrunedBelowMinKept(s.values, s.mask)).toBe(true);

    const a = state('a', [N / 2], s.values.subarray(0, N / 2));
    const b = state('b', [N / 2], s.values.subarray(N / 2));
    pruneGlobal([a, b], l1Unstructured({ amount: 0.4 }));
    expect(zeros(a.mask) + zeros(b.mask)).toBe(400_000);
    expect(cutIsClean(s.values, new Uint8Array([...a.mask, ...b.mask]))).toBe(true);

    const r = state('r', [N], s.values);
    pruneParameter(r, randomUnstructured({ amount: 0.5 }, new SeededRandom(3)));
    expect(zeros(r.mask)).toBe(N / 2);
  });
});
