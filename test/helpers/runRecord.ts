/** Hand-made RunRecords for tests of what is built from them (summary, compare): small, exact numbers. */
import type { EvaluationEntry, PruningEntry, RunRecord, SparsityFigures } from '../../src/runs/record.js';

export const figures = (count: number, zeros: number): SparsityFigures => ({ count, zeros, sparsity: zeros / count });

/** One global stage over two kernels (100 + 300 entries), evaluated before, after pruning and after fine-tuning. */
export function makeRunRecord(options: { id?: string; stage?: string; zeros?: [number, number]; accuracy?: [number, number, number] } = {}): RunRecord {
  const stage = options.stage ?? 'global-20';
  const [zerosA, zerosB] = options.zeros ?? [30, 50];
  const [before, pruned, finetuned] = options.accuracy ?? [0.9, 0.8, 0.85];
  const evaluation = (point: EvaluationEntry['point'], accuracy: number, taskId: string): EvaluationEntry => ({
    taskId,
    stage: point === 'before-pruning' ? null : stage,
    point,
    loss: 1 - accuracy,
    accuracy,
    count: 100,
  });
  const pruning: PruningEntry = {
    taskId: `prune:${stage}`,
    stage,
    scope: 'global',
    description: 'global l1_unstructured',
    parameters: { 'conv1/kernel': figures(100, zerosA), 'fc1/kernel': figures(300, zerosB) },
    global: figures(400, zerosA + zerosB),
  };
  return {
    runId: options.id ?? '20260101-000000Z-0123abcd',
    recipeFile: 'recipes/small.yaml',
    recipeHash: '0123abcd'.padEnd(64, '0'),
    seed: 3,
    backend: 'wasm (@tensorflow/tfjs-backend-wasm 4.22.0)',
    training: [],
    pruning: [pruning],
    evaluations: [
      evaluation('before-pruning', before, 'evaluate:before-pruning'),
      evaluation('pruned', pruned, `evaluate:${stage}:pruned`),
      evaluation('finetuned', finetuned, `evaluate:${stage}:finetuned`),
    ],
    parameters: [
      { name: 'conv1/kernel', shape: [10, 10], pruned: true, figures: figures(100, zerosA), history: [] },
      { name: 'conv1/bias', shape: [10], pruned: false, figures: figures(10, 0), history: [] },
      { name: 'fc1/kernel', shape: [30, 10], pruned: true, figures: figures(300, zerosB), history: [] },
    ],
    globalPruned: figures(400, zerosA + zerosB),
    globalModel: figures(410, zerosA + zerosB),
    isPruned: true,
    size: { parameters: 410, nonzeros: 410 - zerosA - zerosB, denseBytes: 4096, denseGzippedBytes: 2048 },
  };
}
