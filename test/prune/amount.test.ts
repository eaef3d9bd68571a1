import { describe, expect, it } from 'vitest';
import { entriesToPrune, l1Unstructured, pythonRound, randomUnstructured, type Amount } from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { errorOf } from './helpers.js';

describe('pythonRound', () => {
  it('rounds halves to the even neighbour, as Python 3 does', () => {
    // Values checked against CPython: [round(x) for x in ...]
    const table: [number, number][] = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [4.5, 4], [17.5, 18], [40.5, 40],
      [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4],
      [2.4999999, 2], [2.5000001, 3], [0.3 * 10, 3], [0.1 * 45, 4], [0.7 * 10, 7],
      [0, 0], [7, 7], [-7, -7], [2 ** 53, 2 ** 53],
    ];
    for (const [x, expected] of table) expect(pythonRound(x), `round(${String(x)})`).toBe(expected);
  });

  it('differs from Math.round exactly on even halves', () => {
    expect(Math.round(2.5)).toBe(3);
    expect(pythonRound(2.5)).toBe(2);
  });

  it('never returns -0', () => {
    expect(Object.is(pythonRound(-0.5), 0)).toBe(true);
    expect(Object.is(pythonRound(-0.2), 0)).toBe(true);
  });

  it('passes non-finite values through', () => {
    expect(pythonRound(Infinity)).toBe(Infinity);
    expect(pythonRound(NaN)).toBeNaN();
  });
});

describe('entriesToPrune', () => {
  it('converts fractions with half-to-even rounding', () => {
    expect(entriesToPrune({ amount: 0.25 }, 10, 'w')).toBe(2);
    expect(entriesToPrune({ amount: 0.5 }, 5, 'w')).toBe(2);
    expect(entriesToPrune({ amount: 0.5 }, 7, 'w')).toBe(4);
    expect(entriesToPrune({ amount: 0.3 }, 10, 'w')).toBe(3);
    expect(entriesToPrune({ amount: 0 }, 10, 'w')).toBe(0);
    expect(entriesToPrune({ amount: 1 }, 10, 'w')).toBe(10);
    expect(entriesToPrune({ amount: 1 }, 0, 'w')).toBe(0);
  });

  it('uses counts as they are, up to the size', () => {
    expect(entriesToPrune({ count: 3 }, 10, 'w')).toBe(3);
    expect(entriesToPrune({ count: 10 }, 10, 'w')).toBe(10);
    expect(entriesToPrune({ count: 0 }, 0, 'w')).toBe(0);
  });

  it('rejects a count above the size, naming the parameter, its size and the amount', () => {
    const e = errorOf(() => entriesToPrune({ count: 11 }, 10, 'dense/kernel'));
    expect(e.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(e.message).toContain("'dense/kernel'");
    expect(e.message).toContain('10');
    expect(e.message).toContain('count=11');
  });

  it.each<[Amount, string]>([
    [{ amount: 1.5 }, 'amount=1.5'],
    [{ amount: -0.1 }, 'amount=-0.1'],
    [{ amount: NaN }, 'amount=NaN'],
    [{ count: -1 }, 'count=-1'],
    [{ count: 2.5 }, 'count=2.5'],
    [{ count: Infinity }, 'count=Infinity'],
  ])('rejects %o naming parameter, size and amount', (amount, shown) => {
    const e = errorOf(() => entriesToPrune(amount, 10, 'conv1/kernel'));
    expect(e.code).toBe('PRUNE_AMOUNT_INVALID');
    expect(e.message).toContain("'conv1/kernel'");
    expect(e.message).toContain('10 prunable entries');
    expect(e.message).toContain(shown);
  });

  it('suggests the other spelling for the two YAML traps', () => {
    expect(errorOf(() => entriesToPrune({ amount: 3 }, 10, 'w')).message).toContain('count: 3');
    expect(errorOf(() => entriesToPrune({ count: 0.3 }, 10, 'w')).message).toContain('amount: 0.3');
  });

  it('requires exactly one of amount and count', () => {
    const both = { amount: 0.5, count: 2 } as unknown as Amount;
    expect(errorOf(() => entriesToPrune(both, 10, 'w')).code).toBe('PRUNE_AMOUNT_INVALID');
    expect(errorOf(() => entriesToPrune({} as unknown as Amount, 10, 'w')).code).toBe('PRUNE_AMOUNT_INVALID');
  });

  it('methods validate their amount when built, before any tensor is seen', () => {
    expect(errorOf(() => l1Unstructured({ amount: 2 })).code).toBe('PRUNE_AMOUNT_INVALID');
    expect(errorOf(() => randomUnstructured({ count: -3 }, new SeededRandom(1))).code).toBe('PRUNE_AMOUNT_INVALID');
  });
});
