/**
 * Filter pruning to a target, the pure selection: smallest normalised L2 norm first (normalised
 * by the layer's RMS over its remaining filters, recomputed after each removal), each removal
 * taking the filter's kernel slice, bias entry and the next layer's rows that read it, stopping
 * at the first count at or above the target, never emptying a layer.
 */
import { describe, expect, it } from 'vitest';
import { PruneError } from '../../src/errors.js';
import { selectFiltersToTarget, type FilterLayer } from '../../src/prune/filterTarget.js';

/** A [1, 1, inputs, filters] kernel whose filter f has every entry equal to scale[f]. */
function kernel(name: string, inputs: number, scales: number[], consumer: FilterLayer['consumer'] = null): FilterLayer {
  const filters = scales.length;
  const values = new Float32Array(inputs * filters);
  for (let i = 0; i < values.length; i++) values[i] = scales[i % filters]!;
  return { kernel: name, values, shape: [1, 1, inputs, filters], bias: `${name.split('/')[0]}/bias`, consumer };
}

const sizesOf = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('selectFiltersToTarget', () => {
  it('removes filters in order of norm / RMS of the layer, with bias and consumer rows, until the target', () => {
    // a: 2 inputs × 3 filters, read by b (3 inputs × 2 filters); b is the last layer.
    const a = kernel('a/kernel', 2, [1, 3, 2], { kernel: 'b/kernel', outputs: 2 });
    const b = kernel('b/kernel', 3, [4, 0.5]);
    const sizes = sizesOf({ 'a/kernel': 6, 'a/bias': 3, 'b/kernel': 6, 'b/bias': 2 });
    // Normalised: a → [1, 3, 2] / √(14/3) = [0.46, 1.39, 0.93]; b → [4, 0.5] / √(16.25/2) = [1.40, 0.18].
    const first = selectFiltersToTarget({ layers: [a, b], masks: new Map(), sizes, total: 17, prunedNow: 0, target: 0.1 });
    expect(first.removed.map((r) => [r.kernel, r.filter])).toEqual([['b/kernel', 1]]);
    // b filter 1: its 3 kernel entries + its bias entry.
    expect(first.pruned).toBe(4);
    expect([...first.masks.get('b/kernel')!]).toEqual([1, 0, 1, 0, 1, 0]);
    expect([...first.masks.get('b/bias')!]).toEqual([1, 0]);

    // Next: b keeps one filter, so a's filter 0 (2 kernel + 1 bias + b's row 0 → 1 more, b[0,1] is gone).
    const second = selectFiltersToTarget({ layers: [a, b], masks: new Map(), sizes, total: 17, prunedNow: 0, target: 8 / 17 });
    expect(second.removed.map((r) => [r.kernel, r.filter])).toEqual([['b/kernel', 1], ['a/kernel', 0]]);
    expect(second.pruned).toBe(8);
    expect([...second.masks.get('a/kernel')!]).toEqual([0, 1, 1, 0, 1, 1]);
    expect([...second.masks.get('b/kernel')!]).toEqual([0, 0, 1, 0, 1, 0]);
    expect(second.removed[1]!.score).toBeCloseTo(1 / Math.sqrt(14 / 3), 12);
  });

  it('recomputes the layer mean after each removal, and the next layer norms after its inputs go', () => {
    // Removing a's filter 2 zeroes b's row 2, which is where b's filter 0 has its weight.
    const a = kernel('a/kernel', 1, [1, 1, 0.1], { kernel: 'b/kernel', outputs: 2 });
    const b: FilterLayer = { kernel: 'b/kernel', values: Float32Array.from([0, 1, 0, 1, 5, 1]), shape: [1, 1, 3, 2], bias: null, consumer: null };
    const sizes = sizesOf({ 'a/kernel': 3, 'a/bias': 3, 'b/kernel': 6 });
    const result = selectFiltersToTarget({ layers: [a, b], masks: new Map(), sizes, total: 12, prunedNow: 0, target: 5 / 12 });
    // a/2 first (0.1 / RMS); then b's filter 0 has norm 0 (its only weight was in row 2): it goes next.
    expect(result.removed.map((r) => [r.kernel, r.filter])).toEqual([['a/kernel', 2], ['b/kernel', 0]]);
    expect(result.removed[1]!.score).toBe(0);
  });

  it('counts earlier pruning, and starts from the existing masks (a dead filter is not chosen again)', () => {
    const a = kernel('a/kernel', 2, [1, 2, 3]);
    const sizes = sizesOf({ 'a/kernel': 6, 'a/bias': 3 });
    const masks = new Map([['a/kernel', Uint8Array.from([0, 1, 1, 0, 1, 1])]]);
    const result = selectFiltersToTarget({ layers: [a], masks, sizes, total: 9, prunedNow: 2, target: 5 / 9 });
    expect(result.removed.map((r) => r.filter)).toEqual([1]);
    expect(result.pruned).toBe(5); // 2 before, filter 1's 2 entries and its bias entry
    expect([...masks.get('a/kernel')!]).toEqual([0, 1, 1, 0, 1, 1]); // the caller's mask is not written
  });

  it('keeps one filter per layer and says how far it can get', () => {
    const a = kernel('a/kernel', 1, [1, 2]);
    const sizes = sizesOf({ 'a/kernel': 2, 'a/bias': 2 });
    let error: unknown;
    try {
      selectFiltersToTarget({ layers: [a], masks: new Map(), sizes, total: 10, prunedNow: 0, target: 0.5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PruneError);
    expect((error as PruneError).message).toMatch(/cannot reach 50.00% of the model's 10 parameters: with one filter left in each of a\/kernel it prunes 2 \(20.00%\)/);
  });

  it('does nothing when the target is already met', () => {
    const a = kernel('a/kernel', 1, [1, 2]);
    const result = selectFiltersToTarget({ layers: [a], masks: new Map(), sizes: sizesOf({ 'a/kernel': 2, 'a/bias': 2 }), total: 10, prunedNow: 5, target: 0.5 });
    expect(result.removed).toEqual([]);
    expect(result.masks.size).toBe(0);
  });
});

describe('selectFiltersToTarget with NaN', () => {
  it('ranks a NaN filter last, as the core ranks NaN everywhere', () => {
    const a = kernel('a/kernel', 1, [Number.NaN, 2, 1]);
    const result = selectFiltersToTarget({ layers: [a], masks: new Map(), sizes: sizesOf({ 'a/kernel': 3, 'a/bias': 3 }), total: 6, prunedNow: 0, target: 2 / 6 });
    expect(result.removed.map((r) => r.filter)).toEqual([2]);
  });
});
