import { describe, expect, it } from 'vitest';
import { prune } from '../../src/index.js';
import { KERNELS, lenet, masked, useWasm, valuesOf, zeros } from './helpers.js';

useWasm();

describe('prune.globalUnstructured', () => {
  it('prunes one L1 threshold over several layers: the count of the pool, the smallest |w| of all', () => {
    const { model, conv1, conv2, fc1, fc2, fc3 } = lenet();
    const before = new Map(KERNELS.map((name) => [name, valuesOf(model, name)]));
    const layers = [conv1, conv2, fc1, fc2, fc3];
    prune.globalUnstructured(
      layers.map((layer) => [layer, 'kernel'] as const),
      { method: 'l1', amount: 0.2 },
    );
    const params = prune.parameters(model);
    expect(params.map((p) => p.name)).toEqual(KERNELS);
    const total = params.reduce((s, p) => s + p.mask.length, 0);
    expect(params.reduce((s, p) => s + zeros(p.mask), 0)).toBe(Math.round(0.2 * total)); // 0.2 · 61470 = 12294, no tie
    let maxPruned = 0;
    let minKept = Infinity;
    for (const p of params) {
      p.mask.forEach((m, i) => {
        const w = Math.abs(before.get(p.name)![i]!);
        if (m === 0) maxPruned = Math.max(maxPruned, w);
        else minKept = Math.min(minKept, w);
      });
      expect(valuesOf(model, p.name)).toEqual(masked(before.get(p.name)!, p.mask));
    }
    expect(maxPruned).toBeLessThan(minKept);
    // Layers get different sparsities: that is the point of one threshold.
    expect(new Set(params.map((p) => zeros(p.mask) / p.mask.length)).size).toBeGreaterThan(1);
    expect(params[0]!.history).toEqual([
      { method: 'global_unstructured', inner: 'l1_unstructured', amount: 0.2, parameters: KERNELS },
    ]);
  });

  it('after local pruning counts only the unpruned entries (local then global)', () => {
    const { conv1, fc1 } = lenet();
    prune.l1Unstructured(fc1, 'kernel', 0.5); // 24000 of 48000
    prune.globalUnstructured([[conv1, 'kernel'], [fc1, 'kernel']], { method: 'l1', amount: 0.5 });
    const unprunedBefore = 54 + 24000;
    const zerosNow = prune.parameters(conv1)[0]!.mask.filter((v) => v === 0).length + zeros(prune.parameters(fc1)[0]!.mask);
    expect(zerosNow).toBe(24000 + Math.round(0.5 * unprunedBefore));
  });

  it('random global: exact count, seeded', () => {
    const run = (seed: number) => {
      const { model, conv2, fc2 } = lenet();
      prune.globalUnstructured([[conv2, 'kernel'], [fc2, 'kernel']], { method: 'random', count: 1000, seed });
      return prune.parameters(model).map((p) => p.mask);
    };
    const [a, b, c] = [run(7), run(7), run(8)];
    expect(zeros(a[0]!) + zeros(a[1]!)).toBe(1000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('global twice composes: 20% then 20% of the rest', () => {
    const { model, conv2, fc1 } = lenet();
    const pair = [[conv2, 'kernel'], [fc1, 'kernel']] as const;
    prune.globalUnstructured(pair, { method: 'l1', amount: 0.2 });
    prune.globalUnstructured(pair, { method: 'l1', amount: 0.2 });
    const total = 864 + 48000;
    const first = Math.round(0.2 * total);
    const z = prune.parameters(model).reduce((s, p) => s + zeros(p.mask), 0);
    expect(z).toBe(first + Math.round(0.2 * (total - first)));
  });
});
