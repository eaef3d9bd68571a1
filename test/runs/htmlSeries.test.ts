import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../../src/runs/metrics.js';
import { lossCurve, parameterState, runPoints, scheduleSeries } from '../../src/runs/html/series.js';
import { parameter, sampleMetrics, scheduledMetrics } from './htmlFixtures.js';

const TIME = '2026-12-01T12:00:00.000Z';
const m = (line: Omit<MetricsRecord, 'time'>): MetricsRecord => ({ ...line, time: TIME });

describe('the run points (chart 2)', () => {
  it('are before pruning, after the stage’s pruning and after its fine-tuning, with their accuracy and sparsity', () => {
    expect(runPoints(sampleMetrics())).toEqual([
      { label: 'before pruning', accuracy: 0.9, sparsity: 0 },
      { label: 'global-20: pruned', accuracy: 0.8, sparsity: 0.36 },
      { label: 'global-20: fine-tuned', accuracy: 0.88, sparsity: 0.36 },
    ]);
  });

  it('number the cycles of a repeated stage', () => {
    const cycle = (sparsity: number, accuracy: number) => [
      m({ stage: 'iter', phase: 'prune', sparsity }),
      m({ stage: 'iter', phase: 'evaluate', loss: 1, accuracy, sparsity }),
      m({ stage: 'iter', phase: 'finetune', epoch: 1, loss: 0.5, accuracy: 0.9, sparsity }),
      m({ stage: 'iter', phase: 'evaluate', loss: 1, accuracy: accuracy + 0.05, sparsity }),
    ];
    expect(runPoints([...cycle(0.2, 0.7), ...cycle(0.36, 0.6)]).map((p) => [p.label, p.accuracy, p.sparsity])).toEqual([
      ['iter #1: pruned', 0.7, 0.2],
      ['iter #1: fine-tuned', 0.75, 0.2],
      ['iter #2: pruned', 0.6, 0.36],
      ['iter #2: fine-tuned', 0.65, 0.36],
    ]);
  });

  it('skip scheduled prune lines: a scheduled stage shows up after its fine-tune, at its final sparsity', () => {
    expect(runPoints(scheduledMetrics())).toEqual([
      { label: 'before pruning', accuracy: 0.9, sparsity: 0 },
      { label: 'gradual: fine-tuned', accuracy: 0.89, sparsity: 0.5 },
    ]);
  });

  it('have no accuracy when the run did not evaluate', () => {
    const lines = [m({ stage: 'a', phase: 'prune', sparsity: 0.3 }), m({ stage: 'b', phase: 'prune', sparsity: 0.5 })];
    expect(runPoints(lines)).toEqual([
      { label: 'a: pruned', accuracy: null, sparsity: 0.3 },
      { label: 'b: pruned', accuracy: null, sparsity: 0.5 },
    ]);
    expect(runPoints([])).toEqual([]);
  });
});

describe('the loss curve (chart 3)', () => {
  it('counts epochs on from training into each fine-tune, and keeps a non-finite loss as a gap', () => {
    const curve = lossCurve(sampleMetrics([1, null, 0.4], [0.3, 0.2]));
    expect(curve.unit).toBe('epoch');
    expect(curve.nonFinite).toBe(1);
    expect(curve.segments.map((s) => [s.phase, s.stage, s.start, s.points])).toEqual([
      ['train', 'train', 0, [{ x: 1, loss: 1 }, { x: 2, loss: null }, { x: 3, loss: 0.4 }]],
      ['finetune', 'global-20', 3, [{ x: 4, loss: 0.3 }, { x: 5, loss: 0.2 }]],
    ]);
  });

  it('keeps a fine-tune whole across the scheduled prune lines written inside it', () => {
    const curve = lossCurve(scheduledMetrics());
    expect(curve.segments.map((s) => s.points.map((p) => p.x))).toEqual([[1], [2, 3]]);
  });

  it('draws per-step lines when training wrote them, each epoch’s line marked at its last step', () => {
    const lines = [
      ...[1, 2, 3, 4].map((step) => m({ stage: 'train', phase: 'train', step, epoch: step <= 2 ? 1 : 2, loss: 1 / step })),
      m({ stage: 'train', phase: 'train', epoch: 1, loss: 0.75 }),
    ];
    // The epoch line comes after step 4 here, so it sits at x = 4.
    const curve = lossCurve(lines);
    expect(curve.unit).toBe('step');
    expect(curve.segments[0]!.points.map((p) => p.x)).toEqual([1, 2, 3, 4]);
    expect(curve.segments[0]!.epochMeans).toEqual([{ x: 4, loss: 0.75 }]);
  });

  it('carries on when steps are numbered again from 1 in each epoch', () => {
    const lines = [1, 2, 1, 2].map((step) => m({ stage: 'train', phase: 'train', step, loss: 0.5 }));
    expect(lossCurve(lines).segments[0]!.points.map((p) => p.x)).toEqual([1, 2, 3, 4]);
  });

  it('is empty without training', () => {
    expect(lossCurve([m({ stage: 'a', phase: 'prune', sparsity: 0.2 })]).segments).toEqual([]);
  });
});

describe('the schedule (chart 4)', () => {
  it('is the prune lines with a step, per stage, and nothing else', () => {
    expect(scheduleSeries(scheduledMetrics())).toEqual([
      {
        name: 'gradual',
        points: [
          { step: 10, sparsity: 0.2 },
          { step: 20, sparsity: 0.35 },
          { step: 30, sparsity: 0.45 },
          { step: 40, sparsity: 0.5 },
        ],
      },
    ]);
    expect(scheduleSeries(sampleMetrics())).toEqual([]);
  });

  it('gives each stage (and each cycle of one) its own series', () => {
    const lines = [
      m({ stage: 'a', phase: 'prune', step: 5, sparsity: 0.1 }),
      m({ stage: 'a', phase: 'finetune', epoch: 1, loss: 1 }),
      m({ stage: 'a', phase: 'evaluate', loss: 1, accuracy: 0.5 }),
      m({ stage: 'a', phase: 'prune', step: 5, sparsity: 0.3 }),
      m({ stage: 'b', phase: 'prune', step: 8, sparsity: 0.4 }),
    ];
    expect(scheduleSeries(lines).map((s) => [s.name, s.points.length])).toEqual([
      ['a #1', 1],
      ['a #2', 1],
      ['b', 1],
    ]);
  });
});

describe('parameter states (chart 1)', () => {
  it('flags a pruned parameter above 99% as collapsed, never an unpruned one', () => {
    expect(parameterState(parameter('fc1/kernel', 1000, 995))).toBe('collapsed');
    expect(parameterState(parameter('fc1/kernel', 1000, 990))).toBe('masked');
    expect(parameterState(parameter('fc1/bias', 10, 10, false))).toBe('unmasked');
  });
});
