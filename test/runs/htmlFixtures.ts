/** Hand-made RunRecords and metrics lines for the report.html tests: a small LeNet-like run. */
import type { MetricsRecord } from '../../src/runs/metrics.js';
import type { ParameterEntry, RunRecord } from '../../src/runs/record.js';

const TIME = '2026-12-01T12:00:00.000Z';

export function parameter(name: string, count: number, zeros: number, pruned = true): ParameterEntry {
  return {
    name,
    shape: [count],
    pruned,
    figures: { count, zeros, sparsity: count === 0 ? 0 : zeros / count },
    history: pruned ? [{ method: 'l1_unstructured', amount: 0.2 }] : [],
  };
}

/** A run that trained 3 epochs, pruned once globally, fine-tuned 2 epochs and evaluated three times. */
export function sampleRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  const parameters = overrides.parameters ?? [
    parameter('conv1/kernel', 50, 10),
    parameter('conv1/bias', 5, 0, false),
    parameter('fc1/kernel', 200, 80),
    parameter('fc1/bias', 20, 0, false),
  ];
  const pruned = parameters.filter((p) => p.pruned);
  const count = pruned.reduce((s, p) => s + p.figures.count, 0);
  const zeros = pruned.reduce((s, p) => s + p.figures.zeros, 0);
  return {
    runId: '20261201-120000Z-0123abcd',
    recipeFile: 'recipes/sample.yaml',
    recipeHash: '0123abcd'.repeat(8),
    seed: 7,
    backend: 'wasm (@tensorflow/tfjs-backend-wasm 4.22.0)',
    training: [
      {
        taskId: 'train',
        stage: null,
        phase: 'train',
        epochs: [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, accuracy: 0.5 + epoch / 10, imagesPerSecond: 1000 })),
      },
    ],
    pruning: [
      {
        taskId: 'prune:global-20',
        stage: 'global-20',
        scope: 'global',
        description: 'global l1_unstructured 20%',
        parameters: Object.fromEntries(pruned.map((p) => [p.name, p.figures])),
        history: Object.fromEntries(pruned.map((p) => [p.name, p.history])),
        global: { count, zeros, sparsity: zeros / count },
        isPruned: true,
      },
    ],
    evaluations: [
      { taskId: 'evaluate:before-pruning', stage: null, point: 'before-pruning', loss: 0.3, accuracy: 0.9, count: 100 },
      { taskId: 'evaluate:global-20:pruned', stage: 'global-20', point: 'pruned', loss: 0.5, accuracy: 0.8, count: 100 },
      { taskId: 'evaluate:global-20:finetuned', stage: 'global-20', point: 'finetuned', loss: 0.35, accuracy: 0.88, count: 100 },
    ],
    parameters,
    globalPruned: { count, zeros, sparsity: zeros / count },
    globalModel: { count: count + 25, zeros, sparsity: zeros / (count + 25) },
    isPruned: true,
    size: { parameters: count + 25, nonzeros: count + 25 - zeros, denseBytes: 4096, denseGzippedBytes: 2048, macs: { dense: 1000, pruned: 400 } },
    ...overrides,
  };
}

type Line = Omit<MetricsRecord, 'time'>;
const line = (l: Line): MetricsRecord => ({ ...l, time: TIME });

/** The metrics.jsonl lines sampleRecord's run would write, in order. */
export function sampleMetrics(losses: readonly (number | null)[] = [1, 0.5, 0.333], finetuneLosses: readonly (number | null)[] = [0.4, 0.3]): MetricsRecord[] {
  return [
    ...losses.map((loss, i) => line({ stage: 'train', phase: 'train', epoch: i + 1, loss, accuracy: 0.6 + i / 10, sparsity: 0 })),
    line({ stage: 'before-pruning', phase: 'evaluate', loss: 0.3, accuracy: 0.9, sparsity: 0 }),
    line({ stage: 'global-20', phase: 'prune', sparsity: 0.36 }),
    line({ stage: 'global-20', phase: 'evaluate', loss: 0.5, accuracy: 0.8, sparsity: 0.36 }),
    ...finetuneLosses.map((loss, i) => line({ stage: 'global-20', phase: 'finetune', epoch: i + 1, loss, accuracy: 0.85, sparsity: 0.36 })),
    line({ stage: 'global-20', phase: 'evaluate', loss: 0.35, accuracy: 0.88, sparsity: 0.36 }),
  ];
}

/**
 * A stage that prunes on a schedule during its fine-tune (no one-shot prune line): prune lines
 * with a step after each mask update, between the fine-tune's epoch lines.
 */
export function scheduledMetrics(): MetricsRecord[] {
  const updates = [
    { step: 10, epoch: 1, sparsity: 0.2 },
    { step: 20, epoch: 1, sparsity: 0.35 },
    { step: 30, epoch: 2, sparsity: 0.45 },
    { step: 40, epoch: 2, sparsity: 0.5 },
  ];
  return [
    line({ stage: 'train', phase: 'train', epoch: 1, loss: 0.9, accuracy: 0.7, sparsity: 0 }),
    line({ stage: 'before-pruning', phase: 'evaluate', loss: 0.3, accuracy: 0.9, sparsity: 0 }),
    ...updates.slice(0, 2).map((u) => line({ stage: 'gradual', phase: 'prune', ...u })),
    line({ stage: 'gradual', phase: 'finetune', epoch: 1, loss: 0.5, accuracy: 0.85, sparsity: 0.35 }),
    ...updates.slice(2).map((u) => line({ stage: 'gradual', phase: 'prune', ...u })),
    line({ stage: 'gradual', phase: 'finetune', epoch: 2, loss: 0.4, accuracy: 0.87, sparsity: 0.5 }),
    line({ stage: 'gradual', phase: 'evaluate', loss: 0.32, accuracy: 0.89, sparsity: 0.5 }),
  ];
}
