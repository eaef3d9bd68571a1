/**
 * Scale: 25 million entries (a large dense layer) must prune by selection with a few copies, not a
 * sort. Checks exact counts and a clean cut; the times are logged, not asserted (shared CI boxes).
 */
import { describe, expect, it } from 'vitest';
import { l1Unstructured, pruneGlobal, pruneParameter, randomUnstructured } from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { state, zeros } from './helpers.js';

const N = 25_000_000;

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

function timed<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const before = process.memoryUsage().arrayBuffers;
  const out = fn();
  const grown = (process.memoryUsage().arrayBuffers - before) / 2 ** 20;
  console.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms, array buffers +${grown.toFixed(0)} MiB (held after)`);
  return out;
}

describe('25 million entries', () => {
  it('l1 local, twice (container path), then global over two halves', () => {
    const s = state('big/kernel', [5000, 5000], weights(N, 1));
    timed('l1 50% (first)', () => pruneParameter(s, l1Unstructured({ amount: 0.5 })));
    expect(zeros(s.mask)).toBe(N / 2);
    expect(maxPrunedBelowMinKept(s.original, s.mask)).toBe(true);
    timed('l1 30% of the rest', () => pruneParameter(s, l1Unstructured({ amount: 0.3 })));
    expect(zeros(s.mask)).toBe(N / 2 + 3_750_000);
    expect(maxPrunedBelowMinKept(s.original, s.mask)).toBe(true);

    const a = state('a', [N / 2], s.original.subarray(0, N / 2));
    const b = state('b', [N / 2], s.original.subarray(N / 2));
    timed('global 40% over 2 × 12.5M', () => pruneGlobal([a, b], l1Unstructured({ amount: 0.4 })));
    expect(zeros(a.mask) + zeros(b.mask)).toBe(10_000_000);

    const r = state('r', [N], s.original);
    timed('random 50%', () => pruneParameter(r, randomUnstructured({ amount: 0.5 }, new SeededRandom(3))));
    expect(zeros(r.mask)).toBe(N / 2);
  });
});
