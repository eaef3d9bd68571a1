import { describe, expect, it } from 'vitest';
import {
  customFromMask,
  identity,
  l1Unstructured,
  pythonRound,
  randomUnstructured,
} from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { cutIsClean, errorOf, neverRevives, tieFree, zeros } from './helpers.js';

const ones = (n: number) => new Uint8Array(n).fill(1);

describe('l1Unstructured', () => {
  it('prunes exactly round-half-even(amount·n) smallest-magnitude entries, odd sizes included', () => {
    for (const n of [1, 3, 5, 7, 9, 15, 45, 101, 1001]) {
      const w = tieFree(n, n);
      for (const amount of [0, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 1]) {
        const mask = l1Unstructured({ amount }).computeMask(w, ones(n), [n]);
        expect(zeros(mask), `n=${String(n)} amount=${String(amount)}`).toBe(pythonRound(amount * n));
        expect(cutIsClean(w, mask)).toBe(true);
      }
    }
  });

  it('prunes exactly `count` entries', () => {
    const w = tieFree(27, 2);
    for (const count of [0, 1, 13, 26, 27]) {
      const mask = l1Unstructured({ count }).computeMask(w, ones(27), [3, 9]);
      expect(zeros(mask)).toBe(count);
      expect(cutIsClean(w, mask)).toBe(true);
    }
  });

  it('tie rule: among equal magnitudes at the cut, the lower flat index is pruned first', () => {
    // |w| = 1 1 1 0.5 1 (signs do not matter): prune 0.5, then the first of the 1s
    const w = Float32Array.from([1, -1, 1, 0.5, -1]);
    expect([...l1Unstructured({ count: 2 }).computeMask(w, ones(5), [5])]).toEqual([0, 1, 1, 0, 1]);
    expect([...l1Unstructured({ count: 3 }).computeMask(w, ones(5), [5])]).toEqual([0, 0, 1, 0, 1]);
    const flat = new Float32Array(6).fill(2);
    expect([...l1Unstructured({ count: 4 }).computeMask(flat, ones(6), [2, 3])]).toEqual([0, 0, 0, 0, 1, 1]);
    // -0 and 0 are equal magnitudes
    expect([...l1Unstructured({ count: 1 }).computeMask(Float32Array.from([3, -0, 0]), ones(3), [3])]).toEqual([1, 0, 1]);
  });

  it('ranks NaN above every number, +Infinity included, so it is pruned last (as torch)', () => {
    const w = Float32Array.from([NaN, 1, Infinity, 2]);
    expect([...l1Unstructured({ count: 2 }).computeMask(w, ones(4), [4])]).toEqual([1, 0, 1, 0]);
    expect([...l1Unstructured({ count: 3 }).computeMask(w, ones(4), [4])]).toEqual([1, 0, 0, 0]);
    // torch: L1Unstructured(amount=1).compute_mask([nan, nan, 5]) prunes the 5
    expect([...l1Unstructured({ count: 1 }).computeMask(Float32Array.from([NaN, NaN, 5]), ones(3), [3])]).toEqual([1, 1, 0]);
    expect([...l1Unstructured({ count: 3 }).computeMask(Float32Array.from([NaN, Infinity, NaN, 1]), ones(4), [4])]).toEqual([0, 0, 1, 0]);
  });

  it('does not modify its inputs and returns a new mask', () => {
    const w = tieFree(9);
    const wCopy = Float32Array.from(w);
    const m = ones(9);
    const out = l1Unstructured({ amount: 0.5 }).computeMask(w, m, [9]);
    expect(out).not.toBe(m);
    expect(m.every((v) => v === 1)).toBe(true);
    expect(w).toEqual(wCopy);
  });

  it('on its own (no container) selects over everything given, like torch, and never revives', () => {
    const w = Float32Array.from([1, 2, 3, 4]);
    const prior = Uint8Array.from([1, 1, 0, 1]);
    // count 2 of all four entries: 1 and 2; the entry 3 stays pruned
    expect([...l1Unstructured({ count: 2 }).computeMask(w, prior, [4])]).toEqual([0, 0, 0, 1]);
  });

  it('rejects a count above the size and a mismatched shape, naming the parameter', () => {
    const e = errorOf(() => l1Unstructured({ count: 6 }).computeMask(tieFree(5), ones(5), [5], 'fc/kernel'));
    expect(e.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(e.message).toContain('fc/kernel');
    expect(errorOf(() => l1Unstructured({ count: 1 }).computeMask(tieFree(5), ones(5), [2, 2])).code).toBe('PRUNE_SHAPE_MISMATCH');
  });

  it('describes itself as JSON', () => {
    expect(l1Unstructured({ amount: 0.2 }).describe()).toEqual({ method: 'l1_unstructured', amount: 0.2 });
    expect(l1Unstructured({ count: 3 }).describe()).toEqual({ method: 'l1_unstructured', count: 3 });
  });
});

describe('randomUnstructured', () => {
  it('prunes exactly k entries for odd sizes', () => {
    for (const n of [1, 3, 7, 9, 15, 101, 1001]) {
      for (const amount of [0, 0.25, 0.5, 0.7, 1]) {
        const mask = randomUnstructured({ amount }, new SeededRandom(n)).computeMask(tieFree(n), ones(n), [n]);
        expect(zeros(mask)).toBe(pythonRound(amount * n));
      }
      const mask = randomUnstructured({ count: n - 1 }, new SeededRandom(1)).computeMask(tieFree(n), ones(n), [n]);
      expect(zeros(mask)).toBe(n - 1);
    }
  });

  it('same seed gives the same mask, a different seed a different one', () => {
    const w = tieFree(1000);
    const mask = (seed: number) => randomUnstructured({ amount: 0.5 }, new SeededRandom(seed)).computeMask(w, ones(1000), [1000]);
    expect(mask(42)).toEqual(mask(42));
    expect(mask(42)).not.toEqual(mask(43));
  });

  it('ignores the scores: different weights, same seed, same mask', () => {
    const a = randomUnstructured({ count: 10 }, new SeededRandom(5)).computeMask(tieFree(50, 1), ones(50), [50]);
    const b = randomUnstructured({ count: 10 }, new SeededRandom(5)).computeMask(tieFree(50, 2), ones(50), [50]);
    expect(a).toEqual(b);
  });

  it('never revives', () => {
    const prior = Uint8Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const out = randomUnstructured({ amount: 0.5 }, new SeededRandom(1)).computeMask(tieFree(20), prior, [20]);
    expect(neverRevives(prior, out)).toBe(true);
  });
});

describe('identity and customFromMask', () => {
  it('identity returns a copy of the mask', () => {
    const m = Uint8Array.from([1, 0, 1]);
    const out = identity().computeMask(tieFree(3), m, [3]);
    expect(out).toEqual(m);
    expect(out).not.toBe(m);
    expect(identity().kind).toBe('unstructured');
  });

  it('customFromMask multiplies its mask in, is of kind global, and copies the given mask', () => {
    const given = Uint8Array.from([1, 1, 0, 0]);
    const method = customFromMask(given);
    given[0] = 0; // later changes by the caller do not leak in
    expect([...method.computeMask(tieFree(4), Uint8Array.from([1, 0, 1, 0]), [2, 2])]).toEqual([1, 0, 0, 0]);
    expect(method.kind).toBe('global');
    expect(method.describe()).toEqual({ method: 'custom_from_mask', size: 4, pruned: 2 });
  });

  it('customFromMask rejects a mask of another size', () => {
    expect(errorOf(() => customFromMask(new Uint8Array(3)).computeMask(tieFree(4), ones(4), [4])).code).toBe('PRUNE_SHAPE_MISMATCH');
  });
});
