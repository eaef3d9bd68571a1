import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMetricsLine, MetricsWriter, parseMetricsJsonl } from '../../src/runs/metrics.js';
import { RunDirectory } from '../../src/runs/runDirectory.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'prune-run-metrics-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('MetricsWriter', () => {
  it('appends lines with a fixed key order and the time', async () => {
    const run = await RunDirectory.create(root, '0123456789abcdef');
    const metrics = new MetricsWriter(run, undefined, () => new Date('2025-01-02T03:04:05.000Z'));
    await metrics.write({ loss: 0.5, phase: 'train', stage: 'pretrain', step: 3, epoch: 0 });
    await metrics.write({ stage: 's1', phase: 'prune', sparsity: 0.3, time: '2025-01-02T03:04:06.000Z' });
    const text = await readFile(run.path('metrics.jsonl'), 'utf8');
    expect(text).toBe(
      '{"stage":"pretrain","phase":"train","epoch":0,"step":3,"loss":0.5,"time":"2025-01-02T03:04:05.000Z"}\n' +
        '{"stage":"s1","phase":"prune","sparsity":0.3,"time":"2025-01-02T03:04:06.000Z"}\n',
    );
    expect(parseMetricsJsonl(text)).toHaveLength(2);
  });

  it('writes a non-finite loss as null', () => {
    expect(formatMetricsLine({ stage: 's', phase: 'finetune', loss: Number.NaN, time: 't' })).toEqual({
      stage: 's',
      phase: 'finetune',
      loss: null,
      time: 't',
    });
  });

  it('writes the learning rate, global sparsity and each parameter\'s sparsity after the sparsity, and refuses one that is no fraction', () => {
    const line = formatMetricsLine({ stage: 's', phase: 'prune', step: 2, epoch: 1, sparsity: 0.5, parameters: { 'fc1/kernel': 0.5, 'fc2/kernel': 0.25 }, global_sparsity: 0.4, time: 't' });
    expect(JSON.stringify(line)).toBe('{"stage":"s","phase":"prune","epoch":1,"step":2,"sparsity":0.5,"global_sparsity":0.4,"parameters":{"fc1/kernel":0.5,"fc2/kernel":0.25},"time":"t"}');
    expect(Object.keys(formatMetricsLine({ stage: 's', phase: 'train', epoch: 1, learning_rate: 0.01, loss: 1, time: 't' }))).toEqual(['stage', 'phase', 'epoch', 'loss', 'learning_rate', 'time']);
    expect(() => formatMetricsLine({ stage: 's', phase: 'prune', parameters: { 'fc1/kernel': 1.5 } })).toThrow('metrics sparsity of fc1/kernel must be a fraction, got 1.5');
  });

  it('rejects an unknown phase or a fractional step, listing the phases', () => {
    expect(() => formatMetricsLine({ stage: 's', phase: 'fit' as 'train' })).toThrow(
      'unknown metrics phase "fit" (expected train, finetune, prune, evaluate)',
    );
    expect(() => formatMetricsLine({ stage: 's', phase: 'train', step: 1.5 })).toThrow(/step must be a non-negative integer/);
  });
});

describe('parseMetricsJsonl', () => {
  it('skips a last line cut short by a crash', () => {
    const text = '{"stage":"a","phase":"evaluate","accuracy":0.9,"time":"t"}\n{"stage":"a","pha';
    expect(parseMetricsJsonl(text)).toEqual([{ stage: 'a', phase: 'evaluate', accuracy: 0.9, time: 't' }]);
  });

  it('rejects a broken line in the middle, naming it', () => {
    expect(() => parseMetricsJsonl('{"stage":"a","phase":"train","time":"t"}\nnot json\n')).toThrow('metrics line 2 is not JSON');
    expect(() => parseMetricsJsonl('{"stage":"a"}\n')).toThrow('metrics line 1 lacks stage, phase or time');
  });
});
