/**
 * The in-place selection (no concatenation, radix select over float bits) against an exact
 * sort-based reference: concatenate the still-unpruned scores of every parameter in order, sort
 * by (|score| with NaN above +Infinity, then flat index), prune the first round-half-even(amount ×
 * unpruned). Ties are everywhere on purpose (quantised values, ±0, ±Infinity, NaN), so the
 * documented tie rule (lower flat index first, across parameters in order) is what is checked.
 */
import { describe, expect, it } from 'vitest';
import {
  l1Unstructured,
  pruneGlobal,
  pruneParameter,
  pythonRound,
  randomUnstructured,
  type ParameterState,
  type PruningMethod,
} from '../../src/prune/index.js';
import { countCandidates, pruneSmallestInPlace } from '../../src/prune/magnitudeSelect.js';
import { SeededRandom } from '../../src/util/random.js';
import { state } from './helpers.js';

/** Scores with many ties and every special value; `spread` mixes in wide exponents. */
function scores(n: number, random: SeededRandom, spread: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = random.nextFloat();
    const sign = random.nextFloat() < 0.5 ? -1 : 1;
    if (r < 0.02) out[i] = sign * 0; // ±0
    else if (r < 0.03) out[i] = sign * Infinity;
    else if (r < 0.04) out[i] = NaN;
    else if (r < 0.5) out[i] = sign * Math.floor(random.nextFloat() * 24) / 8; // heavy ties
    else if (spread) out[i] = sign * random.nextFloat() * 2 ** Math.floor(random.nextFloat() * 60 - 30);
    else out[i] = sign * random.nextFloat();
  }
  return out;
}

function rank(x: number): number {
  return Number.isNaN(x) ? Number.POSITIVE_INFINITY : Math.abs(x);
}

/** The reference: masks after pruning `k` of the unpruned entries (k from the amount). */
function referenceMasks(parts: { scores: Float32Array; mask: Uint8Array }[], amount: number): Uint8Array[] {
  const entries: { part: number; index: number; flat: number; key: number; nan: boolean }[] = [];
  let flat = 0;
  parts.forEach((p, part) => {
    for (let index = 0; index < p.scores.length; index++, flat++) {
      if (p.mask[index] === 0) continue;
      const x = p.scores[index]!;
      entries.push({ part, index, flat, key: rank(x), nan: Number.isNaN(x) });
    }
  });
  entries.sort((a, b) => a.key - b.key || Number(a.nan) - Number(b.nan) || a.flat - b.flat);
  const k = pythonRound(amount * entries.length);
  const out = parts.map((p) => Uint8Array.from(p.mask, (v) => (v !== 0 ? 1 : 0)));
  for (const e of entries.slice(0, k)) out[e.part]![e.index] = 0;
  return out;
}

function group(random: SeededRandom, sizes: number[], spread: boolean, prePruned: number): ParameterState[] {
  return sizes.map((n, i) => {
    const s = state(`p${String(i)}`, [n], scores(n, random, spread));
    for (let j = 0; j < n; j++) if (random.nextFloat() < prePruned) s.mask[j] = 0;
    return s;
  });
}

describe('global L1 in place = exact sort-based reference', () => {
  const cases = [
    { sizes: [1000, 1, 2500, 0, 777], spread: false, prePruned: 0 },
    { sizes: [1000, 1, 2500, 0, 777], spread: true, prePruned: 0 },
    { sizes: [3000, 4000], spread: true, prePruned: 0.6 },
    { sizes: [5], spread: false, prePruned: 0.3 },
  ];
  for (const [c, { sizes, spread, prePruned }] of cases.entries()) {
    for (const amount of [0, 0.001, 0.1, 0.5, 0.9, 0.97, 0.999, 1]) {
      it(`case ${String(c)}, amount ${String(amount)}`, () => {
        const states = group(new SeededRandom(100 + c), sizes, spread, prePruned);
        const expected = referenceMasks(
          states.map((s) => ({ scores: s.values, mask: s.mask })),
          amount,
        );
        pruneGlobal(states, l1Unstructured({ amount }));
        states.forEach((s, i) => expect(s.mask).toEqual(expected[i]));
      });
    }
  }

  it('iterates: each pass counts and selects only what is left', () => {
    const states = group(new SeededRandom(7), [2000, 3000, 1500], true, 0);
    for (const amount of [0.9, 0.5, 0.3]) {
      const expected = referenceMasks(
        states.map((s) => ({ scores: s.values, mask: s.mask })),
        amount,
      );
      pruneGlobal(states, l1Unstructured({ amount }));
      states.forEach((s, i) => expect(s.mask).toEqual(expected[i]));
    }
  });

  it('given importance ranks instead of the weights, only at unpruned entries', () => {
    const random = new SeededRandom(11);
    const states = group(random, [800, 1200], true, 0.25);
    const importance = new Map(states.map((s) => [s.name, scores(s.values.length, random, false)]));
    const expected = referenceMasks(
      states.map((s) => ({ scores: importance.get(s.name)!, mask: s.mask })),
      0.4,
    );
    pruneGlobal(states, l1Unstructured({ amount: 0.4 }), importance);
    states.forEach((s, i) => expect(s.mask).toEqual(expected[i]));
  });

  it('local pruning (container path) matches the reference on one parameter', () => {
    const [s] = group(new SeededRandom(5), [4000], true, 0.5);
    const expected = referenceMasks([{ scores: s!.values, mask: s!.mask }], 0.35);
    pruneParameter(s!, l1Unstructured({ amount: 0.35 }));
    expect(s!.mask).toEqual(expected[0]);
  });

  for (const [label, options] of [
    ['sampled path', { samplingFrom: 0 }],
    ['radix path', { noSampling: true }],
    ['radix path, rescanning the cut bucket', { noSampling: true, maxRemembered: 0 }],
  ] as const) {
    it(`${label}: the same masks at every amount`, () => {
      for (const amount of [0.0005, 0.01, 0.3, 0.9, 0.95, 0.9995]) {
        for (const spread of [false, true]) {
          const parts = group(new SeededRandom(31), [3000, 1, 2000, 1500], spread, 0.1).map((s) => ({
            scores: s.values,
            mask: s.mask,
          }));
          const alive = parts.reduce((a, p) => a + p.mask.filter((v) => v !== 0).length, 0);
          const expected = referenceMasks(parts, amount);
          pruneSmallestInPlace(parts, pythonRound(amount * alive), options);
          parts.forEach((p, i) => expect(p.mask).toEqual(expected[i]));
        }
      }
    });
  }

  it('the rescan path (cut bucket too large to remember) gives the same masks', () => {
    for (const spread of [false, true]) {
      const parts = group(new SeededRandom(21), [3000, 2000], spread, 0.2).map((s) => ({ scores: s.values, mask: s.mask }));
      const alive = parts.reduce((a, p) => a + p.mask.filter((v) => v !== 0).length, 0);
      const expected = referenceMasks(parts, 0.45);
      pruneSmallestInPlace(parts, pythonRound(0.45 * alive), { maxRemembered: 0 });
      parts.forEach((p, i) => expect(p.mask).toEqual(expected[i]));
    }
  });

  it('data that fools the sample (the cut outside its bracket) still gives the exact masks', () => {
    // The sampled path strides over the positions; put tiny magnitudes exactly where it looks.
    const total = 200_000;
    const draws = 65_536;
    const random = new SeededRandom(17);
    const w = Float32Array.from({ length: total }, () => 1 + random.nextFloat());
    for (let j = 0; j < draws; j++) w[Math.floor(((j + 0.5) * total) / draws)] = random.nextFloat() / 1000;
    const parts = [
      { scores: w.subarray(0, 120_000), mask: new Uint8Array(120_000).fill(1) },
      { scores: w.subarray(120_000), mask: new Uint8Array(80_000).fill(1) },
    ];
    const expected = referenceMasks(parts, 0.5);
    pruneSmallestInPlace(parts, 100_000, { samplingFrom: 0 });
    parts.forEach((p, i) => expect(p.mask).toEqual(expected[i]));
  });

  it('counts any non-zero mask byte as a candidate, at any alignment', () => {
    const random = new SeededRandom(13);
    const bytes = Uint8Array.from({ length: 203 }, () => (random.nextFloat() < 0.5 ? 0 : 1 + Math.floor(random.nextFloat() * 255)));
    for (let start = 0; start < 5; start++) {
      const mask = bytes.subarray(start, 200 - start);
      const expected = mask.filter((v) => v !== 0).length;
      expect(countCandidates([{ scores: new Float32Array(mask.length), mask }])).toBe(expected);
    }
  });

  it('all entries equal: the lowest flat indices go first, across parameters', () => {
    const a = state('a', [6], new Float32Array(6).fill(-0.5));
    const b = state('b', [4], new Float32Array(4).fill(0.5));
    pruneGlobal([a, b], l1Unstructured({ count: 7 }));
    expect([...a.mask]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...b.mask]).toEqual([0, 1, 1, 1]);
  });
});

describe('global random in place = the concatenating path', () => {
  /** The same method, unrecognised by pruneGlobal: it takes the concatenate-and-split path. */
  function opaque(method: PruningMethod): PruningMethod {
    return { name: method.name, kind: method.kind, computeMask: method.computeMask.bind(method), describe: method.describe.bind(method) };
  }

  it('same seed, same masks, also on top of earlier pruning', () => {
    const fast = group(new SeededRandom(3), [500, 0, 1300, 200], false, 0.3);
    const slow = group(new SeededRandom(3), [500, 0, 1300, 200], false, 0.3);
    for (const amount of [0.37, 0.5]) {
      pruneGlobal(fast, randomUnstructured({ amount }, new SeededRandom(9)));
      pruneGlobal(slow, opaque(randomUnstructured({ amount }, new SeededRandom(9))));
      fast.forEach((s, i) => expect(s.mask).toEqual(slow[i]!.mask));
    }
    expect(fast[0]!.history).toEqual(slow[0]!.history);
  });

  it('l1 through the concatenating path agrees too', () => {
    const fast = group(new SeededRandom(4), [900, 1100], true, 0.4);
    const slow = group(new SeededRandom(4), [900, 1100], true, 0.4);
    pruneGlobal(fast, l1Unstructured({ amount: 0.6 }));
    pruneGlobal(slow, opaque(l1Unstructured({ amount: 0.6 })));
    fast.forEach((s, i) => expect(s.mask).toEqual(slow[i]!.mask));
  });
});
