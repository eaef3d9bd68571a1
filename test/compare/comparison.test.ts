/** compare's data and table, on hand-made runs: rows, differences to the first run, stages matched by name. */
import { describe, expect, it } from 'vitest';
import { buildComparison, columnName } from '../../src/compare/comparison.js';
import { formatComparison, formatDifference, formatValue } from '../../src/compare/format.js';
import type { ComparedRun, Comparison, ComparisonRow } from '../../src/compare/types.js';
import { summarizeRun } from '../../src/runs/summary.js';
import { makeRunRecord } from '../helpers/runRecord.js';

function run(label: string, record: ReturnType<typeof makeRunRecord>, amount: number, overrides: { path: string; value: unknown }[] = []): ComparedRun {
  const summary = summarizeRun(record, { status: 'succeeded', exitReason: null, folder: `/abs/${label}`, overrides });
  const stage = record.pruning[0]!.stage;
  return { label, summary, amounts: [{ stage, label: 'global l1_unstructured', kind: 'amount', value: amount }] };
}

function rowOf(comparison: Comparison, section: string, label: string): ComparisonRow {
  const found = comparison.sections.find((s) => s.title === section)?.rows.find((r) => r.label === label);
  if (found === undefined) throw new Error(`no row "${label}" in section "${section}"`);
  return found;
}

const A = run('runs/a', makeRunRecord({ id: 'run-a', zeros: [20, 60], accuracy: [0.9, 0.85, 0.88] }), 0.2);
const B = run('runs/b', makeRunRecord({ id: 'run-b', zeros: [50, 150], accuracy: [0.9, 0.6, 0.8] }), 0.5, [
  { path: 'stages.0.global.amount', value: 0.5 },
]);

describe('buildComparison', () => {
  const comparison = buildComparison([A, B]);

  it('names the runs A, B, ... with where they came from', () => {
    expect(comparison.version).toBe(1);
    expect(comparison.runs.map((r) => [r.column, r.folder, r.runId])).toEqual([
      ['A', 'runs/a', 'run-a'],
      ['B', 'runs/b', 'run-b'],
    ]);
    expect(comparison.runs[1]!.overrides).toEqual([{ path: 'stages.0.global.amount', value: 0.5 }]);
    expect([0, 25, 26, 27, 51, 52].map(columnName)).toEqual(['A', 'Z', 'AA', 'AB', 'AZ', 'BA']);
  });

  it('gives headline values and differences to the first run (B − A)', () => {
    const final = rowOf(comparison, 'run', 'final accuracy');
    expect(final.values).toEqual([0.88, 0.8]);
    expect(final.differences[0]).toBeNull();
    expect(final.differences[1]).toBeCloseTo(-0.08, 12);
    expect(rowOf(comparison, 'run', 'nonzeros')).toEqual({ label: 'nonzeros', unit: 'count', values: [330, 210], differences: [null, -120] });
    expect(rowOf(comparison, 'run', 'global sparsity (pruned parameters)').values).toEqual([0.2, 0.5]);
    // Neither run exported compact or sparse: no such rows.
    expect(comparison.sections[0]!.rows.map((r) => r.label)).not.toContain('compact model bytes');
  });

  it('compares each stage: the amount asked for, sparsity and accuracy after, per parameter', () => {
    const stage = comparison.sections.find((s) => s.title === 'stage global-20')!;
    expect(stage.rows.map((r) => r.label)).toEqual([
      'amount (global l1_unstructured)',
      'global sparsity after the stage',
      'accuracy after pruning',
      'accuracy after fine-tuning',
      'conv1/kernel sparsity',
      'fc1/kernel sparsity',
    ]);
    expect(rowOf(comparison, 'stage global-20', 'amount (global l1_unstructured)').differences[1]).toBeCloseTo(0.3, 12);
    expect(rowOf(comparison, 'stage global-20', 'conv1/kernel sparsity').values).toEqual([0.2, 0.5]);
    expect(rowOf(comparison, 'parameters (final)', 'fc1/kernel sparsity').values).toEqual([0.2, 0.5]);
  });

  it('matches stages by name across different recipes and leaves a missing one empty', () => {
    const other = run('runs/c', makeRunRecord({ id: 'run-c', stage: 'local-50' }), 0.5);
    const mixed = buildComparison([A, other]);
    expect(mixed.sections.map((s) => s.title)).toEqual(['run', 'stage global-20', 'stage local-50', 'parameters (final)']);
    const globalOnly = rowOf(mixed, 'stage global-20', 'global sparsity after the stage');
    expect(globalOnly.values).toEqual([0.2, null]);
    expect(globalOnly.differences).toEqual([null, null]);
    expect(rowOf(mixed, 'stage local-50', 'accuracy after pruning').values).toEqual([null, 0.8]);
  });

  it('keeps an amount and a count of the same step apart: they do not subtract', () => {
    const counted: ComparedRun = { ...B, amounts: [{ stage: 'global-20', label: 'global l1_unstructured', kind: 'count', value: 100 }] };
    const mixed = buildComparison([A, counted]);
    expect(rowOf(mixed, 'stage global-20', 'amount (global l1_unstructured)').values).toEqual([0.2, null]);
    expect(rowOf(mixed, 'stage global-20', 'count (global l1_unstructured)')).toMatchObject({ unit: 'count', values: [null, 100] });
  });
});

describe('formatting', () => {
  it('writes fractions as percentages and their differences in points, with signs', () => {
    expect(formatValue(0.8765, 'fraction')).toBe('87.65%');
    expect(formatDifference(-0.08, 'fraction')).toBe('-8.00 pp');
    expect(formatDifference(0.3, 'fraction')).toBe('+30.00 pp');
    expect(formatDifference(0.00001, 'fraction')).toBe('0.00 pp');
    expect(formatValue(61706, 'count')).toBe('61,706');
    expect(formatDifference(-1200, 'count')).toBe('-1,200');
    expect(formatValue(2048, 'bytes')).toBe('2.0 KiB');
    expect(formatDifference(512, 'bytes')).toBe('+0.5 KiB');
    expect(formatValue(1234.4, 'rate')).toBe('1234/s');
    expect(formatValue(null, 'fraction')).toBe('—');
    expect(formatDifference(null, 'count')).toBe('—');
  });

  it('prints a legend and a fixed-width table with a difference column per later run', () => {
    const text = formatComparison(buildComparison([A, B]));
    const lines = text.split('\n');
    expect(lines[0]).toBe('A  runs/a  (recipes/small.yaml, seed 3, wasm (@tensorflow/tfjs-backend-wasm 4.22.0))');
    expect(lines[1]).toBe('B  runs/b  (recipes/small.yaml --set stages.0.global.amount=0.5, seed 3, wasm (@tensorflow/tfjs-backend-wasm 4.22.0))');
    expect(lines[3]).toMatch(/^\s+A\s+B\s+B − A$/);
    expect(text).toMatch(/^run$/m);
    expect(text).toMatch(/^ {2}final accuracy +88\.00% +80\.00% +-8\.00 pp$/m);
    expect(text).toMatch(/^ {2}nonzeros +330 +210 +-120$/m);
    expect(text).toMatch(/^stage global-20$/m);
    expect(text).toMatch(/^ {2}amount \(global l1_unstructured\) +20\.00% +50\.00% +\+30\.00 pp$/m);
    // Fixed width: every row of the table ends in the same column.
    const table = lines.slice(3).filter((l) => l.startsWith('  '));
    expect(new Set(table.map((l) => [...l].length)).size).toBe(1);
  });

  it('shows each run\'s expectations: how many failed, the measured values, and in the legend which failed', () => {
    const gate = (name: string, limit: number, actual: number, passed: boolean) => ({ name, limit, actual, passed, shortfall: passed ? null : Math.abs(limit - actual), message: '' });
    const withGates = (id: string, gates: ReturnType<typeof gate>[]) => {
      const record = makeRunRecord({ id });
      record.expectations = gates;
      return run(`runs/${id}`, record, 0.2);
    };
    const a = withGates('g1', [gate('final_accuracy_min', 0.85, 0.88, true), gate('compact_parameters_max', 40000, 35552, true)]);
    const b = withGates('g2', [gate('final_accuracy_min', 0.85, 0.8, false), gate('compact_parameters_max', 30000, 35552, false), gate('some_future_gate', 1, 2, true)]);
    const comparison = buildComparison([a, b, A]);
    expect(rowOf(comparison, 'expectations', 'expectations failed').values).toEqual([0, 2, null]);
    expect(rowOf(comparison, 'expectations', 'final_accuracy_min (limit 85.00%)').values).toEqual([0.88, 0.8, null]);
    // Different limits: no limit in the label.
    expect(rowOf(comparison, 'expectations', 'compact_parameters_max')).toMatchObject({ unit: 'count', values: [35552, 35552, null] });
    expect(comparison.sections.find((s) => s.title === 'expectations')!.rows.map((r) => r.label)).not.toContain('some_future_gate');
    expect(comparison.runs.map((r) => r.expectations)).toEqual([{ count: 2, failed: [] }, { count: 3, failed: ['final_accuracy_min', 'compact_parameters_max'] }, null]);
    const text = formatComparison(comparison);
    expect(text).toContain('A  runs/g1  (recipes/small.yaml, seed 3, wasm (@tensorflow/tfjs-backend-wasm 4.22.0), expectations passed)');
    expect(text).toContain('2 of 3 expectations failed: final_accuracy_min, compact_parameters_max)');
    expect(text).toMatch(/^ {2}final_accuracy_min \(limit 85\.00%\) +88\.00% +80\.00% +-8\.00 pp +— +—$/m);
  });

  it('shows a missing value as —', () => {
    const text = formatComparison(buildComparison([A, run('runs/c', makeRunRecord({ id: 'run-c', stage: 'other' }), 0.5)]));
    expect(text).toMatch(/^ {2}global sparsity after the stage +20\.00% +— +—$/m);
  });
});
