/**
 * N:M semi-structured sparsity against a brute-force reference written from coordinates (not the
 * core's strides): random kernels with ties, NaN and odd output sizes, alone and composed after
 * an earlier random mask; and the errors for bad patterns and shapes.
 */
import { describe, expect, it } from 'vitest';
import {
  checkGroupShape,
  parsePattern,
  pruneParameter,
  randomUnstructured,
  semiStructured,
  semiStructuredMask,
  type NmPattern,
  type WeightLayout,
} from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { errorOf, neverRevives, state } from './helpers.js';

/** The flat index of each coordinate, row-major. */
function flatIndex(shape: readonly number[], coords: readonly number[]): number {
  return coords.reduce((acc, c, d) => acc * shape[d]! + c, 0);
}

/**
 * The reference: enumerate every group by its coordinates (dense: (g, out); conv2d: (kh, kw, g,
 * out)), sort its still-kept members by (|w| with NaN above everything, index) and prune all but
 * the last n.
 */
function reference(scores: Float32Array, mask: Uint8Array, shape: number[], layout: WeightLayout, { n, m }: NmPattern): Uint8Array {
  const out = Uint8Array.from(mask);
  const groups: number[][] = [];
  if (layout === 'dense') {
    const [inputs, units] = shape as [number, number];
    for (let o = 0; o < units; o++) for (let g = 0; g < inputs; g += m) groups.push([...Array(m).keys()].map((j) => flatIndex(shape, [g + j, o])));
  } else {
    const [kh, kw, inputs, units] = shape as [number, number, number, number];
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++)
        for (let o = 0; o < units; o++)
          for (let g = 0; g < inputs; g += m) groups.push([...Array(m).keys()].map((j) => flatIndex(shape, [a, b, g + j, o])));
  }
  const key = (i: number) => (Number.isNaN(scores[i]!) ? Infinity : Math.abs(scores[i]!));
  for (const group of groups) {
    const alive = group.filter((i) => mask[i] !== 0);
    alive.sort((x, y) => {
      const nx = Number.isNaN(scores[x]!);
      const ny = Number.isNaN(scores[y]!);
      if (nx !== ny) return nx ? 1 : -1; // NaN ranks above +Infinity
      return key(x) - key(y) || x - y; // ties: the lower index is pruned first
    });
    for (const i of alive.slice(0, Math.max(0, alive.length - n))) out[i] = 0;
  }
  return out;
}

/** Scores from a few values, so that ties are everywhere; some NaN and ±Infinity. */
function tiedScores(size: number, random: SeededRandom): Float32Array {
  const values = [0, 0.5, -0.5, 1, -2, 2, Infinity, -Infinity, NaN];
  return Float32Array.from({ length: size }, () => values[random.nextInt(values.length)]!);
}

function randomMask(size: number, random: SeededRandom, keep: number): Uint8Array {
  return Uint8Array.from({ length: size }, () => (random.nextFloat() < keep ? 1 : 0));
}

const CASES: { layout: WeightLayout; shape: number[]; pattern: NmPattern }[] = [
  { layout: 'dense', shape: [8, 3], pattern: { n: 2, m: 4 } },
  { layout: 'dense', shape: [12, 1], pattern: { n: 1, m: 3 } },
  { layout: 'dense', shape: [16, 7], pattern: { n: 3, m: 8 } },
  { layout: 'dense', shape: [6, 5], pattern: { n: 1, m: 2 } },
  { layout: 'conv2d', shape: [3, 2, 8, 5], pattern: { n: 2, m: 4 } },
  { layout: 'conv2d', shape: [1, 1, 4, 3], pattern: { n: 3, m: 4 } },
  { layout: 'conv2d', shape: [2, 3, 6, 1], pattern: { n: 1, m: 6 } },
];

describe('semiStructured', () => {
  it('keeps exactly N of every M along the input axis and matches the reference on tie-free weights', () => {
    const random = new SeededRandom(11);
    for (const { layout, shape, pattern } of CASES) {
      const size = shape.reduce((a, b) => a * b, 1);
      const scores = Float32Array.from({ length: size }, () => random.nextFloat() * 2 - 1);
      const ones = new Uint8Array(size).fill(1);
      const mask = semiStructuredMask(scores, ones, shape, layout, pattern, 'w');
      expect(mask).toEqual(reference(scores, ones, shape, layout, pattern));
      const zeros = mask.reduce((z, v) => z + (v === 0 ? 1 : 0), 0);
      expect(zeros).toBe((size / pattern.m) * (pattern.m - pattern.n));
    }
  });

  it('breaks ties by the lower TF.js index first and ranks NaN above +Infinity, as the core', () => {
    const random = new SeededRandom(5);
    for (let round = 0; round < 20; round++) {
      for (const { layout, shape, pattern } of CASES) {
        const size = shape.reduce((a, b) => a * b, 1);
        const scores = tiedScores(size, random);
        const ones = new Uint8Array(size).fill(1);
        expect(semiStructuredMask(scores, ones, shape, layout, pattern)).toEqual(reference(scores, ones, shape, layout, pattern));
      }
    }
    // One dense group of 4 for one unit: |w| = 1, 1, 1, 1 → the two lower indices go.
    expect([...semiStructuredMask(Float32Array.from([1, -1, 1, -1]), new Uint8Array(4).fill(1), [4, 1], 'dense', { n: 2, m: 4 })]).toEqual([0, 0, 1, 1]);
    // NaN is kept over +Infinity, which is kept over 5.
    expect([...semiStructuredMask(Float32Array.from([NaN, 5, Infinity, 0]), new Uint8Array(4).fill(1), [4, 1], 'dense', { n: 2, m: 4 })]).toEqual([1, 0, 1, 0]);
  });

  it('composes with an earlier mask: never revives, pruned entries count, N kept where N are left', () => {
    const random = new SeededRandom(23);
    for (let round = 0; round < 10; round++) {
      for (const { layout, shape, pattern } of CASES) {
        const size = shape.reduce((a, b) => a * b, 1);
        const scores = round % 2 === 0 ? tiedScores(size, random) : Float32Array.from({ length: size }, () => random.nextFloat());
        const before = randomMask(size, random, 0.6);
        const after = semiStructuredMask(scores, before, shape, layout, pattern);
        expect(after).toEqual(reference(scores, before, shape, layout, pattern));
        expect(neverRevives(before, after)).toBe(true);
      }
    }
    // A dense group [4 inputs, 1 unit] with one entry pruned before keeps 2 of the 3 left; with
    // three pruned before it keeps the one left.
    const scores = Float32Array.from([4, 3, 2, 1]);
    expect([...semiStructuredMask(scores, Uint8Array.from([0, 1, 1, 1]), [4, 1], 'dense', { n: 2, m: 4 })]).toEqual([0, 1, 1, 0]);
    expect([...semiStructuredMask(scores, Uint8Array.from([0, 0, 0, 1]), [4, 1], 'dense', { n: 2, m: 4 })]).toEqual([0, 0, 0, 1]);
  });

  it('sees the whole tensor through the container (kind global), after an earlier random pruning', () => {
    const shape = [8, 6];
    const random = new SeededRandom(2);
    const weights = Float32Array.from({ length: 48 }, () => random.nextFloat() - 0.5);
    const s = state('fc/kernel', shape, weights);
    pruneParameter(s, randomUnstructured({ amount: 0.3 }, new SeededRandom(9)));
    const before = Uint8Array.from(s.mask);
    const method = semiStructured({ n: 2, m: 4 }, 'dense');
    expect(method.kind).toBe('global');
    pruneParameter(s, method);
    expect(s.mask).toEqual(reference(weights, before, shape, 'dense', { n: 2, m: 4 }));
    expect(s.history[1]).toEqual({ method: 'semi_structured', pattern: '2:4', axis: 0 });
    // Every group of 4 along axis 0 has at most 2 entries kept.
    for (let o = 0; o < 6; o++) {
      for (let g = 0; g < 8; g += 4) {
        let kept = 0;
        for (let j = 0; j < 4; j++) kept += s.mask[(g + j) * 6 + o]!;
        expect(kept).toBeLessThanOrEqual(2);
      }
    }
  });
});

describe('semi-structured errors', () => {
  it('parses N:M and refuses patterns outside 1 ≤ N < M ≤ 64', () => {
    expect(parsePattern('2:4')).toEqual({ n: 2, m: 4 });
    expect(parsePattern(' 4 : 8 ')).toEqual({ n: 4, m: 8 });
    for (const bad of ['4:2', '2:2', '0:4', '1:65', '2/4', '2:4:8', 'two:four']) {
      const error = errorOf(() => parsePattern(bad, 'pattern'));
      expect(error.code).toBe('PRUNE_PATTERN_INVALID');
      expect(error.message).toMatch(/^pattern: "?[^"]+"? (must keep|is not N:M)/);
    }
    expect(errorOf(() => semiStructured({ n: 2.5, m: 4 }, 'dense')).message).toMatch(/1 ≤ N < M ≤ 64/);
  });

  it('refuses an input axis M does not divide, naming the parameter, its shape and M', () => {
    const error = errorOf(() => checkGroupShape('conv2d', [3, 3, 6, 16], 4, 'conv2/kernel'));
    expect(error.code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(error.message).toBe(
      "'conv2/kernel' has shape [3, 3, 6, 16]: its input axis (TF.js axis 2) has 6 entries, not a multiple of the group " +
        'size M = 4, so its groups of 4 consecutive inputs do not tile it',
    );
    expect(errorOf(() => semiStructuredMask(new Float32Array(10), new Uint8Array(10), [10], 'dense', { n: 1, m: 2 })).message).toMatch(
      /a dense kernel has rank 2, got shape \[10\]/,
    );
  });
});
