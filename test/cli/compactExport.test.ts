/**
 * export.compact through the command: LeNet on a few hundred real digits, half of the filters of
 * both convs and half of the units of fc1 and fc2 pruned (L2 structured), fine-tuned, exported
 * compact. The compact model has the expected shapes, loads with plain tf.loadLayersModel, and
 * predicts what the pruned model predicts; the report gives both models' size and speed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/engine/modelFiles.js';
import { syntheticDataset } from '../../src/data/index.js';
import { listTree } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const half = (layer: string) => `      - {select: {layer: ${layer}, param: kernel}, method: ln_structured, n: 2, axis: out, amount: 0.5}\n`;
const RECIPE = `seed: 4
model: {builtin: lenet}
data: {builtin: mnist, train_size: 400, test_size: 100}
train: {epochs: 1, batch_size: 32}
stages:
  - name: half
    targets:
${['conv1', 'conv2', 'fc1', 'fc2'].map(half).join('')}    finetune: {epochs: 1}
export: {compact: true}
`;

const run = runRecipeOnce({ file: 'compact.yaml', text: RECIPE });

describe('export: {compact: true}', () => {
  it('writes model-compact/ beside model/', async () => {
    const files = await listTree(run.runDir);
    expect(files).toEqual(expect.arrayContaining(['model-compact/model.json', 'model-compact/weights.bin', 'model/model.json']));
  });

  it('has half the channels, loads with plain tf.loadLayersModel, and predicts as the pruned model', async () => {
    const pruned = await loadModel({ path: path.join(run.runDir, 'model', 'model.json') });
    const compact = await loadModel({ path: path.join(run.runDir, 'model-compact', 'model.json') });
    const shapes = Object.fromEntries(compact.weights.map((w) => [w.originalName, w.shape]));
    expect(shapes).toMatchObject({
      'conv1/kernel': [3, 3, 1, 3],
      'conv2/kernel': [3, 3, 3, 8],
      'fc1/kernel': [200, 60],
      'fc2/kernel': [60, 42],
      'fc3/kernel': [42, 10],
    });
    const images = syntheticDataset({ trainCount: 1, testCount: 64, seed: 9 }).test.images;
    const difference = tf.tidy(() => {
      const x = tf.tensor4d(images, [64, 28, 28, 1]);
      return tf.max(tf.abs(tf.sub(pruned.predict(x) as tf.Tensor, compact.predict(x) as tf.Tensor))).dataSync()[0]!;
    });
    expect(difference).toBeLessThan(1e-4);
    pruned.dispose();
    compact.dispose();
  });

  it('reports what was removed and what it bought', async () => {
    const report = await readFile(path.join(run.runDir, 'report.md'), 'utf8');
    expect(report).toMatch(/## Compact export/);
    expect(report).toMatch(/\| `conv2` \| Conv2D \| 16 \| 8 \| 8 \|/);
    // 3·9+3 + 3·3·3·8+8 + 200·60+60 + 60·42+42 + 42·10+10
    expect(report).toContain("parameters: 60074 → **15306**");
    expect(report).toMatch(/largest logit difference \d\.\d\de-\d+/);
    expect(report).toMatch(/images\/s \(compact\)/);
    // The masks alone: each kernel keeps half its outputs (conv2 and fc1 also read their inputs' dead filters: ln_structured leaves those rows).
    expect(report).toContain("multiply-adds per image 199968, 100404 with the kernels' pruned channels gone (50.21%)");
    // The compact model: 26·26·9·3 + 11·11·27·8 + 200·60 + 60·42 + 42·10 (a dead channel's readers go too).
    expect(report).toContain('multiply-adds per image: 199968 → **59328** (70.33% fewer)');
    const record = JSON.parse(await readFile(path.join(run.runDir, 'record.json'), 'utf8')) as { size: { macs: unknown }; compact: { macs: unknown } };
    expect(record.size.macs).toEqual({ dense: 199968, pruned: 100404 });
    expect(record.compact.macs).toEqual({ before: 199968, after: 59328 });
  });
});
