import { describe, expect, it } from 'vitest';
import { maskUpdates, scheduleProblem, sparsityAt, toSteps, type ScheduleSpec } from '../../src/schedules/index.js';

const gradual: ScheduleSpec = { kind: 'gradual', initial: 0.1, final: 0.9, start: 1, end: 5, unit: 'epochs', every: 7 };

describe('sparsity schedules', () => {
  it('gradual follows Zhu & Gupta: s_f + (s_i − s_f)(1 − (t − t0)/(n·Δt))³', () => {
    const steps = toSteps(gradual, 10); // t0 = 10, t_end = 50
    expect(steps).toMatchObject({ startStep: 10, endStep: 50 });
    for (const t of [10, 17, 24, 31, 38, 45, 50, 60]) {
      const p = Math.min(1, (t - 10) / 40);
      expect(sparsityAt(steps, t)).toBeCloseTo(0.9 + (0.1 - 0.9) * (1 - p) ** 3, 12);
    }
    expect(sparsityAt(steps, 10)).toBeCloseTo(0.1, 12);
    expect(sparsityAt(steps, 50)).toBe(0.9);
  });

  it('updates at t0, every Δt after it, and exactly at the end even when the end is off that grid', () => {
    const updates = maskUpdates(toSteps(gradual, 10));
    expect(updates.map((u) => u.step)).toEqual([10, 17, 24, 31, 38, 45, 50]);
    expect(updates.at(-1)!.sparsity).toBe(0.9);
    // Never decreasing: pruned weights are never revived.
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.sparsity).toBeGreaterThanOrEqual(updates[i - 1]!.sparsity);
  });

  it('linear rises in equal steps; constant is one update at start', () => {
    const linear = toSteps({ ...gradual, kind: 'linear', initial: 0, final: 0.8, start: 0, end: 40, unit: 'steps', every: 10 }, 13);
    expect(maskUpdates(linear)).toEqual([
      { step: 0, sparsity: 0 },
      { step: 10, sparsity: 0.2 },
      { step: 20, sparsity: 0.4 },
      { step: 30, sparsity: 0.6000000000000001 },
      { step: 40, sparsity: 0.8 },
    ]);
    const constant = toSteps({ ...gradual, kind: 'constant', start: 2, end: 2 }, 13);
    expect(maskUpdates(constant)).toEqual([{ step: 26, sparsity: 0.9 }]);
  });

  it('fractional epochs round to the nearest step', () => {
    expect(toSteps({ ...gradual, start: 0.5, end: 1.25 }, 13)).toMatchObject({ startStep: 7, endStep: 16 });
  });

  it('names what is wrong: an end past the training, a falling schedule, an empty span', () => {
    const at = (spec: ScheduleSpec, total: number) => scheduleProblem(spec, toSteps(spec, 10), total, 10);
    expect(at(gradual, 40)).toMatch(/end is step 50 \(epoch 5\) but the stage trains 40 steps \(4 epochs of 10 steps\)/);
    expect(at(gradual, 50)).toBeNull();
    expect(at({ ...gradual, initial: 0.95 }, 50)).toMatch(/initial 0.95 is above final 0.9/);
    expect(at({ ...gradual, end: 1 }, 50)).toMatch(/end \(step 10 \(epoch 1\)\) must come after start/);
    expect(at({ ...gradual, kind: 'constant', start: 6 }, 50)).toMatch(/start is step 60/);
  });
});
