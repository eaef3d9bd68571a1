/** The run summary (--json): built from a hand-made RunRecord and the run's outcome. */
import { describe, expect, it } from 'vitest';
import { exitReasonOf, RUN_SUMMARY_VERSION, summarizeRun, type RunOutcome } from '../../src/runs/summary.js';
import type { CompactEntry } from '../../src/runs/record.js';
import { figures, makeRunRecord } from '../helpers/runRecord.js';

const SUCCEEDED: RunOutcome = { status: 'succeeded', exitReason: null, folder: '/tmp/runs/x', overrides: [{ path: 'seed', value: 3 }] };

describe('summarizeRun', () => {
  it('gives the run, its recipe and its outcome, versioned', () => {
    const summary = summarizeRun(makeRunRecord(), SUCCEEDED);
    expect(summary).toMatchObject({
      version: RUN_SUMMARY_VERSION,
      runId: '20260101-000000Z-0123abcd',
      folder: '/tmp/runs/x',
      status: 'succeeded',
      exitReason: null,
      recipe: { file: 'recipes/small.yaml', sha256: '0123abcd'.padEnd(64, '0'), overrides: [{ path: 'seed', value: 3 }] },
      seed: 3,
      backend: 'wasm (@tensorflow/tfjs-backend-wasm 4.22.0)',
    });
    expect(RUN_SUMMARY_VERSION).toBe(1);
    // No gates evaluated: the field is absent rather than an empty claim.
    expect('expectations' in summary).toBe(false);
  });

  it('takes accuracy before pruning, the last evaluation as final, and their difference as the drop', () => {
    const { accuracy } = summarizeRun(makeRunRecord({ accuracy: [0.9, 0.7, 0.825] }), SUCCEEDED);
    expect(accuracy.beforePruning).toBe(0.9);
    expect(accuracy.final).toBe(0.825);
    expect(accuracy.drop).toBeCloseTo(0.075, 12);
  });

  it('gives each stage its global sparsity, per-parameter sparsity and both accuracies', () => {
    const [stage] = summarizeRun(makeRunRecord({ stage: 's1', zeros: [10, 90] }), SUCCEEDED).stages;
    expect(stage).toEqual({
      name: 's1',
      scope: 'global',
      description: 'global l1_unstructured',
      globalSparsity: 0.25,
      parameters: { 'conv1/kernel': figures(100, 10), 'fc1/kernel': figures(300, 90) },
      accuracyAfterPruning: 0.8,
      accuracyAfterFinetune: 0.85,
    });
  });

  it('lists the final parameters and the size accounting as recorded', () => {
    const compact: CompactEntry = {
      layers: [{ name: 'conv1', className: 'Conv2D', channelsBefore: 10, channelsAfter: 5 }],
      parametersBefore: 410,
      parametersAfter: 200,
      bytes: { dense: 4096, denseGzipped: 2048, compact: 1024 },
      comparison: null,
    };
    const record = { ...makeRunRecord(), compact, sparse: { bytes: 900, denseBytes: 4096 } };
    const summary = summarizeRun(record, SUCCEEDED);
    expect(summary.parameters).toEqual([
      { name: 'conv1/kernel', shape: [10, 10], pruned: true, count: 100, zeros: 30, sparsity: 0.3 },
      { name: 'conv1/bias', shape: [10], pruned: false, count: 10, zeros: 0, sparsity: 0 },
      { name: 'fc1/kernel', shape: [30, 10], pruned: true, count: 300, zeros: 50, sparsity: 50 / 300 },
    ]);
    expect(summary.globalSparsity).toEqual({ pruned: figures(400, 80), model: figures(410, 80) });
    expect(summary.size).toEqual({ parameters: 410, nonzeros: 330, denseBytes: 4096, denseGzippedBytes: 2048 });
    expect(summary.compact).toEqual(compact);
    expect(summary.sparse).toEqual({ bytes: 900, denseBytes: 4096 });
  });

  it('summarises a run that stopped early with what it did and nulls for the rest', () => {
    const full = makeRunRecord();
    const stopped = {
      ...full,
      pruning: [],
      evaluations: full.evaluations.slice(0, 1),
      parameters: [],
      globalPruned: null,
      globalModel: null,
      size: undefined,
    };
    const summary = summarizeRun(stopped, { status: 'interrupted', exitReason: 'PruneRunError: interrupted by the user', folder: '/r.partial', overrides: [] });
    expect(summary).toMatchObject({
      status: 'interrupted',
      exitReason: 'PruneRunError: interrupted by the user',
      accuracy: { beforePruning: 0.9, final: 0.9, drop: 0 },
      stages: [],
      parameters: [],
      globalSparsity: { pruned: null, model: null },
      size: null,
      compact: null,
      sparse: null,
    });
    // Every field is present (JSON has no undefined): scripts can rely on the keys.
    expect(Object.keys(JSON.parse(JSON.stringify(summary)))).toEqual(Object.keys(summary));
  });

  it('passes the gate results of the record through when the run has them', () => {
    const expectations = [{ name: 'final_accuracy_min', limit: 0.9, actual: 0.85, passed: false, shortfall: 0.05, message: 'final accuracy 85.00% is below the minimum 90.00% by 5.00 points' }];
    expect(summarizeRun({ ...makeRunRecord(), expectations }, SUCCEEDED).expectations).toEqual(expectations);
  });

  it('says why a run stopped as the manifest does', () => {
    expect(exitReasonOf(null)).toBeNull();
    expect(exitReasonOf(new TypeError('bad'))).toBe('TypeError: bad');
    expect(exitReasonOf('text')).toBe('text');
  });
});

describe('summarizeRun with prune–fine-tune cycles', () => {
  it('keeps each cycle of a repeated stage apart, with its own sparsity and accuracies', () => {
    const base = makeRunRecord({ stage: 'imp' });
    const cycle = (k: number, sparsity: number) => ({ ...base.pruning[0]!, taskId: `prune:imp#${k}`, global: { count: 400, zeros: 400 * sparsity, sparsity } });
    const evaluation = (k: number, point: 'pruned' | 'finetuned', accuracy: number) => ({ taskId: `evaluate:imp#${k}:${point}`, stage: 'imp', point, loss: 1, accuracy, count: 100 });
    const record = {
      ...base,
      pruning: [cycle(1, 0.5), cycle(2, 0.75)],
      evaluations: [base.evaluations[0]!, evaluation(1, 'pruned', 0.7), evaluation(1, 'finetuned', 0.8), evaluation(2, 'pruned', 0.6), evaluation(2, 'finetuned', 0.78)],
    };
    const summary = summarizeRun(record, { status: 'succeeded', exitReason: null, folder: '/runs/x', overrides: [] });
    expect(summary.stages.map((s) => [s.name, s.globalSparsity, s.accuracyAfterPruning, s.accuracyAfterFinetune])).toEqual([
      ['imp#1', 0.5, 0.7, 0.8],
      ['imp#2', 0.75, 0.6, 0.78],
    ]);
  });
});

describe('summarizeRun and reuse', () => {
  it('lists the tasks a checkpoint stood for, and none for a run that computed everything', () => {
    const outcome = { status: 'succeeded' as const, exitReason: null, folder: '/runs/x', overrides: [] };
    expect(summarizeRun(makeRunRecord(), outcome).reused).toEqual([]);
    const reused = [{ taskId: 'train', from: 'cache' as const }, { taskId: 'prune:s', from: 'checkpoint' as const }];
    expect(summarizeRun({ ...makeRunRecord(), reused }, outcome).reused).toEqual(reused);
  });
});
