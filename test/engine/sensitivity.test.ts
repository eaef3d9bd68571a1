/**
 * Sensitivity analysis on a small LeNet and synthetic data: each subject pruned alone at each
 * amount (composing with a mask it already has), each point the accuracy the model has with that
 * pruning applied for real, the model left exactly as it was (weights, masks, no tensor leaked),
 * and the same bytes whether the gradient workers share the evaluations or not.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { masksOf, prune } from '../../src/api/index.js';
import { syntheticDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { GradientWorkers } from '../../src/engine/parallel/gradientWorkers.js';
import { runSensitivity } from '../../src/engine/sensitivity/analysis.js';
import type { SensitivityTask } from '../../src/plan/types.js';
import { pythonRound } from '../../src/prune/index.js';

const data = syntheticDataset({ trainCount: 8, testCount: 150, seed: 3 });
const task: SensitivityTask = {
  id: 'sensitivity',
  kind: 'sensitivity',
  stage: null,
  dependsOn: [],
  amounts: [0.25, 0.5, 0.9],
  parameters: ['conv1/kernel', 'fc1/kernel'],
  groups: ['conv2'],
};

/** LeNet with fc1 already 30% pruned, so the analysis has a mask to compose with. */
function prunedLenet(): tf.Sequential {
  const model = buildLenet(4);
  prune.l1Unstructured(model.getLayer('fc1'), 'kernel', { amount: 0.3 });
  return model;
}

const weightsOf = (model: tf.LayersModel) => model.weights.map((w) => Array.from(w.read().dataSync()));

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('runSensitivity', () => {
  it('measures every subject at every amount and leaves the model as it found it', async () => {
    const model = prunedLenet();
    const weights = weightsOf(model);
    const masks = masksOf(model);
    const tensors = tf.memory().numTensors;
    const result = await runSensitivity(model, data, task);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(weightsOf(model)).toEqual(weights);
    expect(masksOf(model).names()).toEqual(masks.names());
    expect(Array.from(masksOf(model).get('fc1/kernel')!.mask)).toEqual(Array.from(masks.get('fc1/kernel')!.mask));

    const plain = await evaluate(model, data);
    expect(result.baseline).toEqual({ accuracy: plain.accuracy, loss: plain.loss, count: 150 });
    expect(result.curves.map((c) => [c.kind, c.name, c.unit, c.size, c.candidates])).toEqual([
      ['parameter', 'conv1/kernel', 'entries', 54, 54],
      ['parameter', 'fc1/kernel', 'entries', 48000, 48000 - 14400],
      ['group', 'conv2', 'channels', 16, 16],
    ]);
    const fc1 = result.curves[1]!;
    expect(fc1.points.map((p) => p.pruned)).toEqual(task.amounts.map((a) => pythonRound(a * 33600)));
    expect(result.curves[2]!.points.map((p) => p.pruned)).toEqual([4, 8, 14]);
    model.dispose();
  });

  it('gives at each point the accuracy of the model pruned that way for real', async () => {
    const model = prunedLenet();
    const result = await runSensitivity(model, data, task);
    // The same pruning through the library: fc1's remaining entries, 50% of them by |w|.
    prune.l1Unstructured(model.getLayer('fc1'), 'kernel', { amount: 0.5 });
    const real = await evaluate(model, data);
    const point = result.curves[1]!.points[1]!;
    expect(point.amount).toBe(0.5);
    expect([point.accuracy, point.loss]).toEqual([real.accuracy, real.loss]);
    model.dispose();
  });

  it('gives the same bytes when a worker thread shares the evaluations', async () => {
    const model = prunedLenet();
    const serial = await runSensitivity(model, data, task);
    const workers = await GradientWorkers.start(1, 'wasm');
    try {
      const evaluateOnWorker = vi.spyOn(workers, 'evaluate');
      const progress: number[] = [];
      const tensors = tf.memory().numTensors;
      const parallel = await runSensitivity(model, data, task, { workers, onProgress: (done) => progress.push(done) });
      expect(tf.memory().numTensors).toBe(tensors);
      // Dealt round-robin: the worker takes every other job (1, 3, …, 9), across all three subjects.
      expect(evaluateOnWorker.mock.calls.map(([, job]) => job.job)).toEqual([1, 3, 5, 7, 9]);
      expect(progress).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
    } finally {
      await workers.close();
    }
    model.dispose();
  });

  it('stops between evaluations when asked, with the model put back', async () => {
    const model = prunedLenet();
    const weights = weightsOf(model);
    const abort = new AbortController();
    const onProgress = (done: number) => {
      if (done === 3) abort.abort(new Error('stop'));
    };
    const run = runSensitivity(model, data, task, { signal: abort.signal, onProgress });
    await expect(run).rejects.toThrow('stop');
    expect(weightsOf(model)).toEqual(weights);
    model.dispose();
  });

  it('refuses a subject the model does not have', async () => {
    const model = buildLenet(4);
    await expect(runSensitivity(model, data, { ...task, parameters: ['fc9/kernel'] })).rejects.toThrow(/no weight named fc9\/kernel/);
    await expect(runSensitivity(model, data, { ...task, groups: ['pool1'] })).rejects.toThrow(/no channel group rooted at pool1/);
    await expect(runSensitivity(model, data, { ...task, groups: ['fc3'] })).rejects.toThrow(/channels of group fc3 cannot be removed/);
    model.dispose();
  });
});
