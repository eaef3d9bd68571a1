import { describe, expect, it } from 'vitest';
import {
  l1Unstructured,
  lnStructured,
  pruneGlobal,
  pruneParameter,
  pythonRound,
  randomUnstructured,
  customFromMask,
} from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { cutIsClean, errorOf, neverRevives, state, tieFree, zeros } from './helpers.js';

/** `small` has magnitudes 1..40 (/64), `large` 41..100: global L1 reaches into small first. */
function pair() {
  const w = tieFree(100, 5);
  const sorted = Float32Array.from(w).sort((a, b) => Math.abs(a) - Math.abs(b));
  return {
    small: state('small', [8, 5], sorted.slice(0, 40)),
    large: state('large', [6, 10], sorted.slice(40)),
  };
}

describe('pruneGlobal', () => {
  it('uses one threshold over all parameters, unlike local pruning', () => {
    const g = pair();
    pruneGlobal([g.small, g.large], l1Unstructured({ amount: 0.5 }));
    expect(zeros(g.small.mask)).toBe(40);
    expect(zeros(g.large.mask)).toBe(10);

    const l = pair();
    pruneParameter(l.small, l1Unstructured({ amount: 0.5 }));
    pruneParameter(l.large, l1Unstructured({ amount: 0.5 }));
    expect(zeros(l.small.mask)).toBe(20);
    expect(zeros(l.large.mask)).toBe(30);
  });

  it('prunes round-half-even(amount × total) entries and the smallest ones', () => {
    const a = state('a', [3, 5], tieFree(15, 1));
    const b = state('b', [2, 2, 1, 3], tieFree(12, 2));
    pruneGlobal([a, b], l1Unstructured({ amount: 0.5 })); // 13.5 → 14
    expect(zeros(a.mask) + zeros(b.mask)).toBe(14);
    const all = new Float32Array([...a.values, ...b.values]);
    expect(cutIsClean(all, new Uint8Array([...a.mask, ...b.mask]))).toBe(true);
  });

  it('counts only still-unpruned entries: local then global', () => {
    const g = pair();
    pruneParameter(g.large, l1Unstructured({ amount: 0.5 })); // 30 pruned
    const before = Uint8Array.from(g.large.mask);
    pruneGlobal([g.small, g.large], l1Unstructured({ amount: 0.25 })); // of 70 left: 17.5 → 18
    expect(zeros(g.small.mask) + zeros(g.large.mask)).toBe(30 + 18);
    expect(neverRevives(before, g.large.mask)).toBe(true);
    expect(zeros(g.small.mask)).toBe(18);
  });

  it('global twice: 20% then 50% of what is left', () => {
    const g = pair();
    pruneGlobal([g.small, g.large], l1Unstructured({ amount: 0.2 }));
    pruneGlobal([g.small, g.large], l1Unstructured({ amount: 0.5 }));
    expect(zeros(g.small.mask) + zeros(g.large.mask)).toBe(20 + 40);
  });

  it('on one parameter equals local pruning', () => {
    const a = state('a', [7, 7], tieFree(49, 3));
    const b = state('a', [7, 7], tieFree(49, 3));
    pruneGlobal([a], l1Unstructured({ amount: 0.3 }));
    pruneParameter(b, l1Unstructured({ amount: 0.3 }));
    expect(a.mask).toEqual(b.mask);
  });

  it('records a global step in each history', () => {
    const g = pair();
    pruneGlobal([g.small, g.large], l1Unstructured({ amount: 0.2 }));
    const record = { method: 'global_unstructured', inner: 'l1_unstructured', amount: 0.2, parameters: ['small', 'large'] };
    expect(g.small.history).toEqual([record]);
    expect(g.large.history).toEqual([record]);
  });

  it('uses given importance scores where given, effective weights elsewhere', () => {
    const a = state('a', [3], Float32Array.from([1, 2, 3]));
    const b = state('b', [3], Float32Array.from([4, 5, 6]));
    pruneGlobal([a, b], l1Unstructured({ count: 2 }), new Map([['b', Float32Array.from([0, 0.5, 9])]]));
    expect([...a.mask]).toEqual([1, 1, 1]);
    expect([...b.mask]).toEqual([0, 0, 1]);
  });

  it('random global prunes exactly the count across parameters', () => {
    const g = pair();
    pruneGlobal([g.small, g.large], randomUnstructured({ amount: 0.37 }, new SeededRandom(9)));
    expect(zeros(g.small.mask) + zeros(g.large.mask)).toBe(pythonRound(37));
  });

  it('refuses non-unstructured methods, empty or duplicate groups, unknown or mis-sized scores', () => {
    const g = pair();
    expect(errorOf(() => pruneGlobal([g.small], lnStructured({ count: 1 }, 2, 0))).code).toBe('PRUNE_METHOD_KIND');
    expect(errorOf(() => pruneGlobal([g.small], customFromMask(new Uint8Array(40)))).code).toBe('PRUNE_METHOD_KIND');
    expect(errorOf(() => pruneGlobal([], l1Unstructured({ amount: 0.1 }))).code).toBe('PRUNE_GLOBAL_INVALID');
    expect(errorOf(() => pruneGlobal([g.small, g.small], l1Unstructured({ amount: 0.1 }))).code).toBe('PRUNE_GLOBAL_INVALID');
    expect(
      errorOf(() => pruneGlobal([g.small], l1Unstructured({ amount: 0.1 }), new Map([['nope', new Float32Array(1)]]))).code,
    ).toBe('PRUNE_UNKNOWN_PARAMETER');
    expect(
      errorOf(() => pruneGlobal([g.small], l1Unstructured({ amount: 0.1 }), new Map([['small', new Float32Array(1)]]))).code,
    ).toBe('PRUNE_SHAPE_MISMATCH');
    const e = errorOf(() => pruneGlobal([g.small, g.large], l1Unstructured({ count: 101 })));
    expect(e.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(e.message).toContain('global(small, large)');
    expect(g.small.history).toHaveLength(0); // nothing changed
  });
});
