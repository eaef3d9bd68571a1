/**
 * Compact export through the graph (export/compact/graph.ts): models with residual adds,
 * concatenations, batch norm and depthwise convs lose the channels that are exactly zero in every
 * weight that makes them, from every member of their channel group at once, and predict what the
 * masked model predicts; a channel whose output is a non-zero constant stays.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { EngineSession } from '../../src/engine/session.js';
import { compactModel } from '../../src/export/compact/index.js';
import { foldForInference } from '../../src/export/compact/foldLayers.js';
import { describeBuiltinModel } from '../../src/models/builtin.js';
import { buildPlan } from '../../src/plan/build.js';
import type { LoadModelTask, PruneTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { images, killChannels, setWeight } from './compactHelpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Largest |Δ| between two models' outputs on the same images. */
function maxDifference(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0]!);
}

/** input → a → b → merge(a, b) → flatten → out. */
function branchyModel(merge: (inputs: tf.SymbolicTensor[]) => tf.SymbolicTensor): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1], name: 'pixels' });
  const a = tf.layers.conv2d({ name: 'a', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ name: 'b', filters: 4, kernelSize: 3, padding: 'same' }).apply(a) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(merge([a, b]));
  const out = tf.layers.dense({ name: 'out', units: 3 }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function compactAndCompare(model: tf.LayersModel, shape: [number, number, number] = [8, 8, 1]) {
  const result = compactModel(model);
  const x = images(6, 5, shape);
  const difference = maxDifference(model, result.model, x);
  x.dispose();
  return { result, difference };
}

describe('compact export through the graph', () => {
  it('a residual add: a channel zero in both branches goes from both convs and from every reader', () => {
    const model = branchyModel((inputs) => tf.layers.add({ name: 'residual' }).apply(inputs) as tf.SymbolicTensor);
    killChannels(model, 'a', [1], [0]);
    killChannels(model, 'b', [1], [0]);
    const { result, difference } = compactAndCompare(model);
    expect(result.layers.map((l) => [l.name, l.removed])).toEqual([['a', [1]], ['b', [1]], ['out', []]]);
    // a: 3·3·1·3 + 3; b: 3·3·3·3 + 3 (its inputs are a's); out: 64·3 rows + 3.
    expect(result.parametersAfter).toBe(30 + 84 + 64 * 3 * 3 + 3);
    expect(difference).toBeLessThan(1e-5);
    [model, result.model].forEach((m) => m.dispose());
  });

  it('keeps a channel whose output is a non-zero constant (a live bias), exactly as the masked model computes it', () => {
    const model = branchyModel((inputs) => tf.layers.add({ name: 'residual' }).apply(inputs) as tf.SymbolicTensor);
    killChannels(model, 'a', [1], [0.5]);
    killChannels(model, 'b', [1], [0]);
    const { result, difference } = compactAndCompare(model);
    expect(result.parametersAfter).toBe(result.parametersBefore);
    expect(difference).toBe(0);
    [model, result.model].forEach((m) => m.dispose());
  });

  it('a concatenation: each input loses its own channels at its own offset of the readers', () => {
    const model = branchyModel((inputs) => tf.layers.concatenate({ name: 'concat' }).apply(inputs) as tf.SymbolicTensor);
    killChannels(model, 'a', [1], [0]);
    killChannels(model, 'b', [2, 3], [0, 0]);
    const { result, difference } = compactAndCompare(model);
    expect(result.layers.map((l) => [l.name, l.removed])).toEqual([['a', [1]], ['b', [2, 3]], ['out', []]]);
    expect(result.model.getLayer('out').getWeights()[0]!.shape).toEqual([64 * 5, 3]);
    expect(difference).toBeLessThan(1e-5);
    [model, result.model].forEach((m) => m.dispose());
  });

  it('a depthwise conv (multiplier 2) and batch norm carry a removed channel: sliced with it', () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ name: 'first', inputShape: [8, 8, 2], filters: 4, kernelSize: 3 }));
    model.add(tf.layers.batchNormalization({ name: 'bn' }));
    model.add(tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2 }));
    model.add(tf.layers.conv2d({ name: 'second', filters: 3, kernelSize: 2 }));
    model.add(tf.layers.flatten({ name: 'flat' }));
    model.add(tf.layers.dense({ name: 'out', units: 2 }));
    setWeight(model, 'bn/moving_mean', (i) => 0.1 * i);
    setWeight(model, 'bn/moving_variance', (i) => 1 + 0.2 * i);
    setWeight(model, 'bn/gamma', (i) => (i === 2 ? 0 : 1 + i));
    setWeight(model, 'bn/beta', (i) => (i === 2 ? 0 : 0.3));
    killChannels(model, 'first', [2], [0]);
    // dw's outputs 4 and 5 (input channel 2): their kernel slices and biases are zero too.
    setWeight(model, 'dw/depthwise_kernel', (i) => (i % 8 === 4 || i % 8 === 5 ? 0 : 0.1 * ((i % 5) - 2)));
    const { result, difference } = compactAndCompare(model, [8, 8, 2]);
    expect(result.layers.find((l) => l.name === 'first')!.removed).toEqual([2]);
    expect(result.model.getLayer('dw').getWeights()[0]!.shape).toEqual([3, 3, 3, 2]);
    expect(result.model.getLayer('bn').getWeights().map((w) => w.shape)).toEqual([[3], [3], [3], [3]]);
    expect(result.model.getLayer('second').getWeights()[0]!.shape).toEqual([2, 2, 6, 3]);
    expect(difference).toBeLessThan(1e-5);
    [model, result.model].forEach((m) => m.dispose());
  });

  for (const builtin of ['{builtin: resnet, depth: 8, width: 0.5, input_shape: [8, 8, 1], classes: 3}', '{builtin: mobilenet, width: 0.5, input_shape: [8, 8, 1], classes: 3}']) {
    it(`the builtin ${builtin.slice(10, 19)} after filters to 50% of MACs: smaller, same logits`, async () => {
      const text = `seed: 4\nmodel: ${builtin}\nstages:\n  - name: f\n    filters:\n      select: [{layer_type: conv2d, param: kernel}]\n      target: {macs: 0.5}\n`;
      const recipe = await loadRecipeText(text, 'r.yaml');
      if (recipe.model.kind !== 'builtin') throw new Error('a builtin model was written');
      const plan = buildPlan(recipe, describeBuiltinModel(recipe.model));
      const session = new EngineSession();
      try {
        await session.loadModel(plan.tasks[0] as LoadModelTask);
        // Batch-norm statistics a training would leave, so that slicing them matters.
        for (const w of session.model.weights.filter((v) => /moving_(mean|variance)$/.test(v.originalName))) {
          setWeight(session.model, w.originalName, (i) => (w.originalName.endsWith('mean') ? 0.05 * ((i % 7) - 3) : 0.5 + 0.1 * (i % 5)));
        }
        await session.prune(plan.tasks.find((t): t is PruneTask => t.kind === 'prune')!);
        await expectNoTensorLeak(async () => {
          const { result, difference } = compactAndCompare(session.model);
          expect(result.parametersAfter).toBeLessThan(result.parametersBefore * 0.75);
          expect(difference).toBeLessThan(1e-4);
          // export.fold_batch_norm: every batch norm of these models reads a conv alone, and goes.
          const folded = foldForInference(result.model);
          const x = images(6, 5, [8, 8, 1]);
          expect(folded.model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toEqual([]);
          expect(folded.folded.length).toBeGreaterThanOrEqual(result.model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length);
          expect(maxDifference(session.model, folded.model, x)).toBeLessThan(1e-4);
          [x, result.model, folded.model].forEach((t) => t.dispose());
        });
      } finally {
        await session.dispose();
      }
    });
  }
});
