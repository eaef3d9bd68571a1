/** prune.semiStructured on TF.js layers: 2:4 along the input axis, composition, and its errors. */
import { describe, expect, it } from 'vitest';
import { prune } from '../../src/index.js';
import { errorOf, lenet, masked, useWasm, valuesOf, zeros } from './helpers.js';

useWasm();

/** Kept entries of each group of 4 consecutive inputs (dense [in, out], axis 0), per unit. */
function keptPerGroup(mask: Uint8Array, inputs: number, units: number, m: number): number[] {
  const kept: number[] = [];
  for (let o = 0; o < units; o++) for (let g = 0; g < inputs; g += m) kept.push([...Array(m).keys()].reduce((k, j) => k + mask[(g + j) * units + o]!, 0));
  return kept;
}

describe('prune.semiStructured', () => {
  it('keeps the 2 largest |w| of every 4 inputs of each unit of a Dense kernel, and writes original × mask', () => {
    const { model, fc3 } = lenet();
    const before = valuesOf(model, 'fc3/kernel');
    expect(prune.semiStructured(fc3, 'kernel', { n: 2, m: 4 })).toBe(fc3);
    const p = prune.parameters(fc3)[0]!;
    expect(new Set(keptPerGroup(p.mask, 84, 10, 4))).toEqual(new Set([2]));
    // Within each group the kept ones are at least as large as the pruned ones.
    for (let o = 0; o < 10; o++) {
      for (let g = 0; g < 84; g += 4) {
        const group = [0, 1, 2, 3].map((j) => (g + j) * 10 + o);
        const kept = group.filter((i) => p.mask[i] === 1).map((i) => Math.abs(before[i]!));
        const pruned = group.filter((i) => p.mask[i] === 0).map((i) => Math.abs(before[i]!));
        expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...pruned));
      }
    }
    expect(valuesOf(model, 'fc3/kernel')).toEqual(masked(before, p.mask));
    expect(p.history).toEqual([{ method: 'semi_structured', pattern: '2:4', axis: 0 }]);
  });

  it('composes after an earlier pruning without reviving, and groups a Conv2D kernel along its input channels', () => {
    const { fc2, conv2 } = lenet();
    prune.l1Unstructured(fc2, 'kernel', { amount: 0.6 });
    const earlier = Uint8Array.from(prune.parameters(fc2)[0]!.mask);
    prune.semiStructured(fc2, 'kernel', { n: 2, m: 4 });
    const after = prune.parameters(fc2)[0]!.mask;
    expect(after.every((v, i) => v === 0 || earlier[i] === 1)).toBe(true);
    expect(Math.max(...keptPerGroup(after, 120, 84, 4))).toBe(2);
    prune.semiStructured(conv2, 'kernel', { n: 1, m: 2 }); // 6 input channels, groups of 2
    expect(zeros(prune.parameters(conv2)[0]!.mask)).toBe(3 * 3 * 6 * 16 / 2);
  });

  it('refuses a bias, an input axis M does not divide and a bad pattern, changing nothing', () => {
    const { conv2, fc1 } = lenet();
    expect(errorOf(() => prune.semiStructured(fc1, 'bias', { n: 2, m: 4 })).code).toBe('PRUNE_LAYOUT_UNKNOWN');
    const shape = errorOf(() => prune.semiStructured(conv2, 'kernel', { n: 2, m: 4 }));
    expect(shape.code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(shape.message).toMatch(/'conv2\/kernel' has shape \[3, 3, 6, 16\]: its input axis \(TF.js axis 2\) has 6 entries, not a multiple of the group size M = 4/);
    expect(errorOf(() => prune.semiStructured(fc1, 'kernel', { n: 4, m: 4 })).code).toBe('PRUNE_PATTERN_INVALID');
    expect(prune.isPruned(conv2)).toBe(false);
    expect(prune.isPruned(fc1)).toBe(false);
  });
});
