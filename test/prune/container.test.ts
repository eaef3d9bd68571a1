import { describe, expect, it } from 'vitest';
import {
  composeMask,
  customFromMask,
  identity,
  l1Unstructured,
  lnStructured,
  pruneParameter,
  pythonRound,
  randomStructured,
  randomUnstructured,
  type PruningMethod,
} from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { cutIsClean, errorOf, neverRevives, state, tieFree, zeros } from './helpers.js';

describe('repeated pruning (the container)', () => {
  it('scores a global-kind method by the effective weights (torch\'s module.weight): zero where pruned', () => {
    // The values a caller hands may still hold pruned entries' old values (the state borrows
    // them); what a method sees must not depend on that.
    const s = state('w', [4], Float32Array.from([5, -1, 4, 2]));
    pruneParameter(s, l1Unstructured({ count: 2 }));
    expect([...s.mask]).toEqual([1, 0, 1, 0]);
    const seen: number[][] = [];
    const spy: PruningMethod = {
      name: 'spy',
      kind: 'global',
      computeMask(importance, defaultMask) {
        seen.push([...importance]);
        return Uint8Array.from(defaultMask);
      },
      describe: () => ({ method: 'spy' }),
    };
    pruneParameter(s, spy);
    expect(seen).toEqual([[5, 0, 4, 0]]);
    expect([...s.values]).toEqual([5, -1, 4, 2]); // and it is not written
  });

  it('30% then 50% prunes 65%: the second amount counts the still-unpruned entries', () => {
    const s = state('fc/kernel', [10, 10], tieFree(100));
    pruneParameter(s, l1Unstructured({ amount: 0.3 }));
    expect(zeros(s.mask)).toBe(30);
    const before = Uint8Array.from(s.mask);
    pruneParameter(s, l1Unstructured({ amount: 0.5 }));
    expect(zeros(s.mask)).toBe(65);
    expect(neverRevives(before, s.mask)).toBe(true);
    // the 35 new ones are the smallest among the 70 that were left
    expect(cutIsClean(s.values, s.mask, before)).toBe(true);
  });

  it('rounds each step on its own slice (70 entries: 21, then round(24.5) = 24)', () => {
    const s = state('w', [70], tieFree(70));
    pruneParameter(s, l1Unstructured({ amount: 0.3 }));
    pruneParameter(s, l1Unstructured({ amount: 0.5 }));
    expect(zeros(s.mask)).toBe(21 + 24);
  });

  it('a count counts the still-unpruned entries, and asking for more fails naming what is left', () => {
    const s = state('conv1/kernel', [10], tieFree(10));
    pruneParameter(s, l1Unstructured({ count: 8 }));
    const maskBefore = s.mask;
    const e = errorOf(() => pruneParameter(s, l1Unstructured({ count: 3 })));
    expect(e.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(e.message).toContain('conv1/kernel');
    expect(e.message).toContain('2 prunable entries');
    expect(s.mask).toBe(maskBefore); // unchanged after a failure
    expect(s.history).toHaveLength(1);
    pruneParameter(s, l1Unstructured({ count: 2 }));
    expect(zeros(s.mask)).toBe(10);
  });

  it('uses the importance given instead of the weights', () => {
    const s = state('w', [4], Float32Array.from([1, 2, 3, 4]));
    pruneParameter(s, l1Unstructured({ count: 1 }), Float32Array.from([9, 9, 0.1, 9]));
    expect([...s.mask]).toEqual([1, 1, 0, 1]);
    expect(errorOf(() => pruneParameter(s, l1Unstructured({ count: 1 }), new Float32Array(3))).code).toBe('PRUNE_SHAPE_MISMATCH');
  });

  it('records describe() of each method in order', () => {
    const s = state('w', [10], tieFree(10));
    pruneParameter(s, identity());
    pruneParameter(s, l1Unstructured({ amount: 0.2 }));
    pruneParameter(s, randomUnstructured({ count: 1 }, new SeededRandom(1)));
    expect(s.history).toEqual([
      { method: 'identity' },
      { method: 'l1_unstructured', amount: 0.2 },
      { method: 'random_unstructured', count: 1 },
    ]);
  });

  it('masks never revive, over random sequences of every kind of method', () => {
    const random = new SeededRandom(11);
    const shape = [3, 3, 4, 6]; // TF.js conv kernel [kh, kw, in, out]
    const n = 216;
    const methods: (() => PruningMethod)[] = [
      () => l1Unstructured({ amount: 0.2 }),
      () => randomUnstructured({ amount: 0.1 }, random),
      () => lnStructured({ count: 1 }, 2, 3),
      () => lnStructured({ amount: 0.25 }, 1, -2),
      () => randomStructured({ count: 1 }, 0, random),
      () => customFromMask(Uint8Array.from({ length: n }, () => (random.nextFloat() < 0.9 ? 1 : 0))),
      () => identity(),
    ];
    for (let trial = 0; trial < 30; trial++) {
      const s = state('conv/kernel', shape, tieFree(n, trial));
      for (let step = 0; step < 6; step++) {
        const before = Uint8Array.from(s.mask);
        try {
          pruneParameter(s, methods[random.nextInt(methods.length)]!());
        } catch {
          continue; // e.g. a structured count on a tensor with no channel left
        }
        expect(neverRevives(before, s.mask)).toBe(true);
        expect(s.mask.every((v) => v === 0 || v === 1)).toBe(true);
      }
    }
  });

  it('ANDs a faulty custom method with the old mask, so nothing revives', () => {
    const reviver: PruningMethod = {
      name: 'reviver',
      kind: 'global',
      computeMask: (_i, m) => new Uint8Array(m.length).fill(1),
      describe: () => ({ method: 'reviver' }),
    };
    const out = composeMask(reviver, tieFree(4), Uint8Array.from([0, 1, 0, 1]), [4], 'w');
    expect([...out]).toEqual([0, 1, 0, 1]);
  });

  it('structured kind without an axis is refused', () => {
    const bad: PruningMethod = {
      name: 'no_axis',
      kind: 'structured',
      computeMask: (_i, m) => Uint8Array.from(m),
      describe: () => ({}),
    };
    expect(errorOf(() => composeMask(bad, tieFree(4), new Uint8Array(4).fill(1), [2, 2], 'w')).code).toBe('PRUNE_METHOD_KIND');
  });

  it('random pruning composes too: 50% then 50% of 101 = 50 + round(25.5) = 76', () => {
    const s = state('w', [101], tieFree(101));
    pruneParameter(s, randomUnstructured({ amount: 0.5 }, new SeededRandom(1)));
    expect(zeros(s.mask)).toBe(pythonRound(50.5));
    pruneParameter(s, randomUnstructured({ amount: 0.5 }, new SeededRandom(2)));
    expect(zeros(s.mask)).toBe(50 + 26);
  });
});
