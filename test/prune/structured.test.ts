import { describe, expect, it } from 'vitest';
import { lnStructured, pruneParameter, randomStructured } from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { errorOf, state, tieFree, zeros } from './helpers.js';

/** The channels (along `axis` of shape) that are entirely zero in `mask`. */
function deadChannels(mask: Uint8Array, shape: number[], axis: number): number[] {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const c = shape[axis]!;
  const alive = new Array<boolean>(c).fill(false);
  mask.forEach((v, i) => {
    if (v !== 0) alive[Math.floor(i / inner) % c] = true;
  });
  return alive.flatMap((a, i) => (a ? [] : [i]));
}

/** A TF.js dense kernel [in=3, out=4] whose column (unit) j has L2 norm growing with `order[j]`. */
function dense(order: number[]): Float32Array {
  const w = new Float32Array(12);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) w[i * 4 + j] = order[j]! * (i + 1);
  return w;
}

describe('lnStructured', () => {
  it('prunes whole output units (axis 1 of a dense kernel) with the smallest norm', () => {
    const s = state('fc/kernel', [3, 4], dense([3, 1, 4, 2]));
    pruneParameter(s, lnStructured({ count: 2 }, 2, 1));
    expect(deadChannels(s.mask, [3, 4], 1)).toEqual([1, 3]);
    expect(zeros(s.mask)).toBe(6);
    expect(s.history).toEqual([{ method: 'ln_structured', count: 2, n: 2, axis: 1 }]);
  });

  it('takes negative axes from the end and fractions of channels with half-to-even', () => {
    const s = state('fc/kernel', [3, 4], dense([3, 1, 4, 2]));
    pruneParameter(s, lnStructured({ amount: 0.625 }, 1, -1)); // 2.5 → 2
    expect(deadChannels(s.mask, [3, 4], 1)).toEqual([1, 3]);
  });

  it('prunes output channels of a TF.js conv kernel [kh, kw, in, out] on axis 3', () => {
    const shape = [3, 3, 2, 5];
    const s = state('conv/kernel', shape, tieFree(90, 4));
    pruneParameter(s, lnStructured({ count: 2 }, 2, 3));
    expect(deadChannels(s.mask, shape, 3)).toHaveLength(2);
    expect(zeros(s.mask)).toBe(2 * 18);
  });

  it('a second step counts only channels not yet entirely pruned', () => {
    const shape = [3, 3, 2, 8];
    const s = state('conv/kernel', shape, tieFree(144, 5));
    pruneParameter(s, lnStructured({ amount: 0.25 }, 2, 3)); // 2 of 8
    pruneParameter(s, lnStructured({ amount: 0.5 }, 2, 3)); // 3 of the 6 alive
    expect(deadChannels(s.mask, shape, 3)).toHaveLength(5);
  });

  it('scores with the effective weights: entries pruned before count as zero', () => {
    // unit 0 has the largest weights but most of them are pruned; by effective L1 it is smallest
    const s = state('fc/kernel', [3, 2], Float32Array.from([100, 1, 100, 1, 0.5, 1]));
    s.mask = Uint8Array.from([0, 1, 0, 1, 1, 1]);
    pruneParameter(s, lnStructured({ count: 1 }, 1, 1));
    expect([...s.mask]).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('tie rule: among channels with equal norm, the lower index is pruned first', () => {
    const s = state('fc/kernel', [3, 4], dense([2, 1, 2, 2]));
    pruneParameter(s, lnStructured({ count: 3 }, 2, 1));
    expect(deadChannels(s.mask, [3, 4], 1)).toEqual([0, 1, 2]);
  });

  it('supports L∞, L-∞ and L0 and describes infinite orders as strings', () => {
    const w = Float32Array.from([1, 5, 0, 3, 0, 4]); // [3, 2]: unit 0 = (1, 0, 0), unit 1 = (5, 3, 4)
    const rank = (n: number) => {
      const s = state('w', [3, 2], w);
      pruneParameter(s, lnStructured({ count: 1 }, n, 1));
      return deadChannels(s.mask, [3, 2], 1);
    };
    expect(rank(Infinity)).toEqual([0]);
    expect(rank(-Infinity)).toEqual([0]);
    expect(rank(0)).toEqual([0]);
    expect(lnStructured({ count: 1 }, -Infinity, 0).describe()).toMatchObject({ n: '-inf' });
  });

  it('rejects rank-1 tensors, axes out of range, bad norms and too many channels', () => {
    expect(errorOf(() => pruneParameter(state('b', [4], tieFree(4)), lnStructured({ count: 1 }, 2, 0))).code).toBe('PRUNE_AXIS_INVALID');
    expect(errorOf(() => pruneParameter(state('w', [2, 2], tieFree(4)), lnStructured({ count: 1 }, 2, 2))).code).toBe('PRUNE_AXIS_INVALID');
    expect(errorOf(() => pruneParameter(state('w', [2, 2], tieFree(4)), lnStructured({ count: 1 }, 2, -3))).code).toBe('PRUNE_AXIS_INVALID');
    expect(errorOf(() => lnStructured({ count: 1 }, 2, 0.5)).code).toBe('PRUNE_AXIS_INVALID');
    expect(errorOf(() => lnStructured({ count: 1 }, -1, 0)).code).toBe('PRUNE_NORM_INVALID');
    expect(errorOf(() => lnStructured({ count: 1 }, NaN, 0)).code).toBe('PRUNE_NORM_INVALID');
    const e = errorOf(() => pruneParameter(state('fc/kernel', [3, 4], tieFree(12)), lnStructured({ count: 5 }, 2, 1)));
    expect(e.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(e.message).toContain('4 prunable channels on axis 1');
  });
});

describe('randomStructured', () => {
  it('prunes exactly k channels, deterministically per seed', () => {
    const shape = [3, 3, 4, 9];
    const masks = [1, 1, 2].map((seed) => {
      const s = state('conv/kernel', shape, tieFree(324));
      pruneParameter(s, randomStructured({ amount: 0.5 }, 3, new SeededRandom(seed))); // 4.5 → 4
      expect(deadChannels(s.mask, shape, 3)).toHaveLength(4);
      return s.mask;
    });
    expect(masks[0]).toEqual(masks[1]);
    expect(masks[0]).not.toEqual(masks[2]);
  });
});
