/**
 * Global L1 with a maximum sparsity per parameter (the layer-collapse guard), against a plain
 * reference: sort every candidate by (|score|, global index), then take them in order, skipping an
 * entry whose parameter has reached its ceiling, until k are taken.
 */
import { describe, expect, it } from 'vitest';
import { l1Unstructured, MaskSet, pruneGlobal, pythonRound, randomUnstructured } from '../../src/prune/index.js';
import { PruneError } from '../../src/errors.js';
import { SeededRandom } from '../../src/util/random.js';

function reference(scores: Float32Array[], masks: Uint8Array[], k: number, cap: number): Uint8Array[] {
  const out = masks.map((m) => Uint8Array.from(m));
  const lost = masks.map((m) => m.filter((v) => v === 0).length);
  const entries: { s: number; i: number; key: number; order: number }[] = [];
  let offset = 0;
  scores.forEach((sc, s) => {
    sc.forEach((v, i) => {
      if (masks[s]![i] !== 0) entries.push({ s, i, key: Math.abs(v), order: offset + i });
    });
    offset += sc.length;
  });
  entries.sort((a, b) => a.key - b.key || a.order - b.order);
  let taken = 0;
  for (const e of entries) {
    if (taken === k) break;
    if (lost[e.s]! >= Math.floor(cap * scores[e.s]!.length)) continue;
    out[e.s]![e.i] = 0;
    lost[e.s]!++;
    taken++;
  }
  return out;
}

/** Three parameters whose scores differ in scale, as layers of different fan-in do. */
function layers(seed: number): Float32Array[] {
  const random = new SeededRandom(seed);
  return [
    [600, 0.05],
    [97, 0.3],
    [41, 1],
  ].map(([n, scale]) => Float32Array.from({ length: n! }, () => (random.nextFloat() * 2 - 1) * scale!));
}

describe('pruneGlobal with maxSparsityPerLayer', () => {
  for (const [amount, cap] of [
    [0.75, 0.8],
    [0.5, 0.6],
    [0.3, 1],
    [0.65, 0.7],
  ] as const) {
    it(`prunes ${amount} of all entries with no parameter above ${cap}, as the reference`, () => {
      for (const seed of [1, 2, 3]) {
        const scores = layers(seed);
        const set = new MaskSet();
        const states = scores.map((w, i) => set.track(`p${i}`, [w.length], w));
        const expected = reference(scores, states.map((s) => s.mask), pythonRound(amount * 738), cap);
        pruneGlobal(states, l1Unstructured({ amount }), undefined, { maxSparsityPerLayer: cap });
        expect(states.map((s) => Array.from(s.mask))).toEqual(expected.map((m) => Array.from(m)));
        for (const s of states) expect(s.mask.filter((v) => v === 0).length).toBeLessThanOrEqual(Math.floor(cap * s.mask.length));
        expect(states[0]!.history.at(-1)).toMatchObject({ method: 'global_unstructured', max_sparsity_per_layer: cap });
      }
    });
  }

  it('without a cap the smallest layer collapses; with one it keeps its share', () => {
    const scores = layers(4);
    const free = scores.map((w, i) => new MaskSet().track(`p${i}`, [w.length], w));
    pruneGlobal(free, l1Unstructured({ amount: 0.85 }));
    expect(free[0]!.mask.every((v) => v === 0)).toBe(true);
    const capped = scores.map((w, i) => new MaskSet().track(`p${i}`, [w.length], w));
    pruneGlobal(capped, l1Unstructured({ amount: 0.85 }), undefined, { maxSparsityPerLayer: 0.9 });
    expect(capped[0]!.mask.filter((v) => v === 0).length).toBe(540);
    expect(capped.reduce((sum, s) => sum + s.mask.filter((v) => v === 0).length, 0)).toBe(pythonRound(0.85 * 738));
  });

  it('counts earlier pruning against the cap (iterative)', () => {
    const scores = layers(5);
    const set = new MaskSet();
    const states = scores.map((w, i) => set.track(`p${i}`, [w.length], w));
    pruneGlobal(states, l1Unstructured({ amount: 0.5 }));
    const before = states.map((s) => Uint8Array.from(s.mask));
    const candidates = states.reduce((sum, s) => sum + s.mask.filter((v) => v !== 0).length, 0);
    const expected = reference(scores, before, pythonRound(0.5 * candidates), 0.8); // half to even, as torch
    pruneGlobal(states, l1Unstructured({ amount: 0.5 }), undefined, { maxSparsityPerLayer: 0.8 });
    expect(states.map((s) => Array.from(s.mask))).toEqual(expected.map((m) => Array.from(m)));
  });

  it('refuses an amount the cap cannot reach, random methods and caps outside [0, 1], changing nothing', () => {
    const scores = layers(6);
    const states = scores.map((w, i) => new MaskSet().track(`p${i}`, [w.length], w));
    const error = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e as PruneError;
      }
      throw new Error('no error');
    };
    const tooMuch = error(() => pruneGlobal(states, l1Unstructured({ amount: 0.9 }), undefined, { maxSparsityPerLayer: 0.5 }));
    expect(tooMuch.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(tooMuch.message).toMatch(/maximum sparsity of 0\.5 per parameter allows \(368 at most\)/);
    expect(error(() => pruneGlobal(states, randomUnstructured({ amount: 0.5 }, new SeededRandom(1)), undefined, { maxSparsityPerLayer: 0.9 })).message).toMatch(
      /needs l1_unstructured, got random_unstructured/,
    );
    expect(error(() => pruneGlobal(states, l1Unstructured({ amount: 0.5 }), undefined, { maxSparsityPerLayer: 1.5 })).message).toMatch(/in \[0, 1\], got 1\.5/);
    expect(states.every((s) => s.mask.every((v) => v === 1) && s.history.length === 0)).toBe(true);
  });
});
