/**
 * Budgets from sensitivity curves, on hand-made curves whose best split can be worked out by hand:
 * the counts add up to the budget, the least sensitive parameter gives first, a knee in a curve
 * does not stop the allocation from reaching a flat stretch past it, caps hold, and a budget the
 * curves cannot reach is refused with the numbers.
 */
import { describe, expect, it } from 'vitest';
import { allocateBySensitivity, type AllocationCurve } from '../../src/prune/allocation.js';

const curve = (name: string, points: [number, number][], maxCount?: number): AllocationCurve => ({
  name,
  points: points.map(([count, accuracy]) => ({ count, accuracy })),
  maxCount: maxCount ?? Math.max(...points.map(([c]) => c)),
});

describe('allocateBySensitivity', () => {
  it('takes entries from the flattest curve first, and splits the last segment to hit the budget exactly', () => {
    // a loses 0.1 per 100 entries, b 0.5 per 100: 150 entries all come from a.
    const a = curve('a', [[100, 0.8], [200, 0.7]]);
    const b = curve('b', [[100, 0.4], [200, 0.2]]);
    const out = allocateBySensitivity([a, b], 0.9, 150);
    expect(out.counts).toEqual([150, 0]);
    expect(out.predictedAccuracy[0]).toBeCloseTo(0.75, 12);
    expect(out.predictedAccuracy[1]).toBeCloseTo(0.9, 12);
    expect(out.predictedTotal).toBeCloseTo(0.75, 12);
    // 250: a gives all it has (200), b the rest.
    expect(allocateBySensitivity([a, b], 0.9, 250).counts).toEqual([200, 50]);
  });

  it('reaches a flat stretch past a knee (a plain greedy would stop at the rise)', () => {
    // k: a small loss first, then nothing more for a long way: its hull's first segment is flatter than m's.
    const knee = curve('k', [[10, 0.85], [100, 0.85]]);
    const mild = curve('m', [[10, 0.89], [100, 0.7]]);
    // Per entry: k costs 0.05/100 = 0.0005 over 100 entries (hull), m 0.001 up to 10 entries then ~0.0021.
    const out = allocateBySensitivity([knee, mild], 0.9, 100);
    expect(out.counts).toEqual([100, 0]);
    expect(out.predictedTotal).toBeCloseTo(0.85, 12);
    // The marginal-loss greedy on the raw curve would have taken m's cheap first 10 (0.001 each,
    // less than k's 0.005 each over its first 10) and then k's: a worse total.
    const greedyTotal = 0.9 - (0.9 - 0.89) - (0.9 - 0.85);
    expect(out.predictedTotal).toBeGreaterThan(greedyTotal);
  });

  it('takes free (gaining) stretches before any that lose, and never extrapolates past maxCount', () => {
    const gains = curve('g', [[50, 0.91], [100, 0.9], [200, 0.5]], 120);
    const flat = curve('f', [[100, 0.9], [200, 0.88]]);
    const out = allocateBySensitivity([gains, flat], 0.9, 250);
    // g: 0→50 gains (slope < 0), 50→100 loses 0.01, 100→120 (cut at its cap) 0.08 over 20; f: 0→100 free, 100→200 0.02.
    expect(out.counts[0]! + out.counts[1]!).toBe(250);
    expect(out.counts[0]).toBeLessThanOrEqual(120);
    expect(out.counts).toEqual([100, 150]);
  });

  it('gives exactly the budget with integer counts, whatever the slopes', () => {
    const curves = [
      curve('c1', [[3, 0.97], [7, 0.9], [11, 0.6]]),
      curve('c2', [[5, 0.98], [9, 0.93], [13, 0.7]]),
      curve('c3', [[2, 0.99], [4, 0.95], [6, 0.8]]),
    ];
    for (let budget = 0; budget <= 30; budget++) {
      const out = allocateBySensitivity(curves, 0.99, budget);
      expect(out.counts.reduce((a, b) => a + b, 0)).toBe(budget);
      out.counts.forEach((c, i) => {
        expect(Number.isInteger(c)).toBe(true);
        expect(c).toBeLessThanOrEqual(curves[i]!.maxCount);
      });
    }
  });

  it('breaks ties by curve order, so equal curves give a fixed answer', () => {
    // Both are free up to 10, then lose 0.01 an entry: x's free stretch, y's, then x's next.
    const same = [curve('x', [[10, 0.9], [20, 0.8]]), curve('y', [[10, 0.9], [20, 0.8]])];
    expect(allocateBySensitivity(same, 0.9, 15).counts).toEqual([10, 5]);
    expect(allocateBySensitivity(same, 0.9, 25).counts).toEqual([15, 10]);
  });

  it('predicts from the curve itself where the split lands on a hull edge', () => {
    // A bump: the hull goes straight from 0 to 100, the curve is worse at 50.
    const bump = curve('b', [[50, 0.5], [100, 0.8]]);
    const out = allocateBySensitivity([bump], 0.9, 50);
    expect(out.counts).toEqual([50]);
    expect(out.predictedAccuracy[0]).toBeCloseTo(0.5, 12);
  });

  it('refuses a budget the curves cannot give, naming how far each reaches', () => {
    const a = curve('conv1/kernel', [[10, 0.8]]);
    const b = curve('fc1/kernel', [[100, 0.8]], 90);
    expect(() => allocateBySensitivity([a, b], 0.9, 101)).toThrow(/reach 100 entries together \(conv1\/kernel up to 10, fc1\/kernel up to 90\) but the step prunes 101/);
    expect(() => allocateBySensitivity([a], 0.9, 2.5)).toThrow(/whole number/);
  });
});
