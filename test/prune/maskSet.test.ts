import { describe, expect, it } from 'vitest';
import { l1Unstructured, MaskSet, pruneParameter, sparsityOf } from '../../src/prune/index.js';
import { errorOf } from './helpers.js';

describe('MaskSet', () => {
  it('starts tracking with a mask of ones, borrowing the values (no copy of the weights)', () => {
    const set = new MaskSet();
    const values = Float32Array.from([1, 2, 3, 4]);
    const s = set.track('fc/kernel', [2, 2], values);
    expect(s.values).toBe(values);
    values[0] = 99;
    expect([...s.values]).toEqual([99, 2, 3, 4]);
    expect([...s.mask]).toEqual([1, 1, 1, 1]);
    expect(s.history).toEqual([]);
    expect(set.has('fc/kernel')).toBe(true);
    expect(set.get('fc/kernel')).toBe(s);
    expect(set.get('nope')).toBeUndefined();
  });

  it('lists names in insertion order', () => {
    const set = new MaskSet();
    for (const name of ['b', 'a', 'c']) set.track(name, [1], new Float32Array(1));
    set.track('a', [1], new Float32Array(1)); // refreshing does not move it
    expect(set.names()).toEqual(['b', 'a', 'c']);
  });

  it('hands a tracked parameter its new values when tracked again, keeping mask and history', () => {
    const set = new MaskSet();
    const s = set.track('w', [4], Float32Array.from([1, -2, 3, -4]));
    pruneParameter(s, l1Unstructured({ count: 2 })); // prunes 1 and -2
    expect([...s.mask]).toEqual([0, 0, 1, 1]);
    const trained = Float32Array.from([0, 0, 30, -0.5]);
    const again = set.track('w', [4], trained);
    expect(again).toBe(s);
    expect(s.values).toBe(trained);
    expect([...s.mask]).toEqual([0, 0, 1, 1]);
    expect(s.history).toHaveLength(1);
    // The next pruning ranks the trained values of the kept entries.
    pruneParameter(s, l1Unstructured({ count: 1 }));
    expect([...s.mask]).toEqual([0, 0, 1, 0]);
  });

  it('releases the borrowed values (mask and history stay) and refuses to prune until tracked again', () => {
    const set = new MaskSet();
    const s = set.track('w', [4], Float32Array.from([1, -2, 3, -4]));
    pruneParameter(s, l1Unstructured({ count: 1 }));
    set.release('w');
    expect(s.values).toHaveLength(0);
    expect([...s.mask]).toEqual([0, 1, 1, 1]);
    expect(s.history).toHaveLength(1);
    expect(errorOf(() => pruneParameter(s, l1Unstructured({ count: 1 }))).code).toBe('PRUNE_VALUES_RELEASED');
    expect(errorOf(() => set.effective('w')).code).toBe('PRUNE_VALUES_RELEASED');
    expect([...s.mask]).toEqual([0, 1, 1, 1]); // the refused call changed nothing
    set.track('w', [4], Float32Array.from([0, -2, 3, -4]));
    pruneParameter(s, l1Unstructured({ count: 1 }));
    expect([...s.mask]).toEqual([0, 0, 1, 1]);
    expect(errorOf(() => set.release('v')).code).toBe('PRUNE_UNKNOWN_PARAMETER');
  });

  it('refuses a different shape or a wrong number of values', () => {
    const set = new MaskSet();
    set.track('w', [2, 3], new Float32Array(6));
    expect(errorOf(() => set.track('w', [3, 2], new Float32Array(6))).code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(errorOf(() => set.track('v', [2, 3], new Float32Array(5))).code).toBe('PRUNE_SHAPE_MISMATCH');
  });

  it('gives effective weights, removes like prune.remove, and reports sparsity', () => {
    const set = new MaskSet();
    const s = set.track('w', [5], Float32Array.from([5, -1, 4, 2, -3]));
    pruneParameter(s, l1Unstructured({ amount: 0.4 }));
    expect([...set.effective('w')]).toEqual([5, 0, 4, 0, -3]);
    expect(set.sparsity('w')).toEqual({ count: 5, zeros: 2, sparsity: 0.4 });
    set.track('v', [3], Float32Array.from([1, 2, 3]));
    expect(set.globalSparsity()).toEqual({ count: 8, zeros: 2, sparsity: 0.25 });
    expect(set.globalSparsity(['v'])).toEqual({ count: 3, zeros: 0, sparsity: 0 });
    expect([...set.remove('w')]).toEqual([5, 0, 4, 0, -3]);
    expect(set.has('w')).toBe(false);
    expect(set.names()).toEqual(['v']);
  });

  it('writes effective weights into a given array, and refreshes from views into larger buffers', () => {
    const set = new MaskSet();
    const model = Float32Array.from([0, 5, -1, 4, -0, NaN, -3, 0]);
    const w = model.subarray(1, 7); // [5, -1, 4, -0, NaN, -3]
    const s = set.track('w', [6], w);
    s.mask.set([1, 0, 1, 0, 1, 0]);
    expect(set.effective('w', w)).toBe(w);
    expect([...model]).toEqual([0, 5, 0, 4, 0, NaN, 0, 0]);
    expect(Object.is(model[4], 0)).toBe(true); // pruned → +0, whatever the sign was
    w.set([50, 60, 70, 80, 90, 100]);
    set.track('w', [6], w);
    expect([...set.effective('w')]).toEqual([50, 0, 70, 0, 90, 0]);
    expect(errorOf(() => set.effective('w', new Float32Array(5))).code).toBe('PRUNE_SHAPE_MISMATCH');
  });

  it('names the unknown parameter and what is tracked', () => {
    const set = new MaskSet();
    set.track('conv1/kernel', [1], new Float32Array(1));
    const e = errorOf(() => set.effective('conv2/kernel'));
    expect(e.code).toBe('PRUNE_UNKNOWN_PARAMETER');
    expect(e.message).toContain('conv2/kernel');
    expect(e.message).toContain('conv1/kernel');
    expect(errorOf(() => set.globalSparsity(['x'])).code).toBe('PRUNE_UNKNOWN_PARAMETER');
  });
});

describe('sparsityOf', () => {
  it('counts zeros and handles empty masks', () => {
    expect(sparsityOf(Uint8Array.from([0, 1, 0, 1]))).toEqual({ count: 4, zeros: 2, sparsity: 0.5 });
    expect(sparsityOf(new Uint8Array(0))).toEqual({ count: 0, zeros: 0, sparsity: 0 });
  });
});
