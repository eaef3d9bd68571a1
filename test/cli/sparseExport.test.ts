/**
 * export.sparse through the command: LeNet pruned 90% (one global L1 threshold over its kernels),
 * exported as plain TF.js files and as sparse files. The sparse pair is at most 20% of the plain
 * pair's bytes and restores, through prune-run's loader and plain tf.loadLayersModel, the same
 * weights bit for bit.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/engine/modelFiles.js';
import { sparseModelFromDir } from '../../src/export/sparse/index.js';
import { listTree, runCli, writeRecipe } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const RECIPE = `seed: 5
model: {builtin: lenet}
stages:
  - name: ninety
    global:
      method: l1_unstructured
      amount: 0.9
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
export: {sparse: true}
`;

const run = runRecipeOnce({ file: 'sparse.yaml', text: RECIPE });

const bytesOf = async (dir: string) => {
  let total = 0;
  for (const name of await listTree(dir)) total += (await stat(path.join(dir, name))).size;
  return total;
};

describe('export: {sparse: true}', () => {
  it('is at most 20% of the plain files of a 90%-pruned model', async () => {
    const sparse = await bytesOf(path.join(run.runDir, 'model-sparse'));
    const dense = await bytesOf(path.join(run.runDir, 'model'));
    expect(sparse).toBeGreaterThan(0);
    expect(sparse / dense).toBeLessThanOrEqual(0.2);
    const report = await readFile(path.join(run.runDir, 'report.md'), 'utf8');
    expect(report).toMatch(/## Sparse export/);
  });

  it('restores the pruned model bit for bit through plain tf.loadLayersModel', async () => {
    const dense = await loadModel({ path: path.join(run.runDir, 'model', 'model.json') });
    const restored = await tf.loadLayersModel(sparseModelFromDir(path.join(run.runDir, 'model-sparse')));
    const bits = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer)));
    expect(bits(restored)).toEqual(bits(dense));
    dense.dispose();
    restored.dispose();
  });
});

describe('every report', () => {
  it('gives the size, and flags a layer that one global threshold cut off (layer collapse)', async () => {
    // 95% over LeNet's freshly initialised kernels: fc1's weights (±1/20) are the smallest of all.
    const file = await writeRecipe(run.cwd, 'collapse.yaml', RECIPE.replace('amount: 0.9', 'amount: 0.95').replace('export: {sparse: true}\n', ''));
    const result = await runCli(['--progress', 'plain', file], run.cwd);
    expect(result.status, result.stderr).toBe(0);
    const report = await readFile(path.join(path.resolve(run.cwd, result.stdout.trim()), 'report.md'), 'utf8');
    expect(report).toMatch(/## Warning: layer collapse\n\n- `fc1\/kernel` is 100\.00% pruned \(48000 of 48000\)/);
    expect(report).not.toMatch(/`conv1\/kernel` is .* pruned \(/);
    expect(report).toMatch(/## Size\n\n- parameters 60074, nonzero \d+/);
    expect(report).toMatch(/gzipped \d+\.\d KiB/);
  });
});

describe('global.max_sparsity_per_layer', () => {
  it('keeps every layer under the cap where one threshold would empty fc1, and prunes the whole amount', async () => {
    const capped = RECIPE.replace('amount: 0.9', 'amount: 0.95\n      max_sparsity_per_layer: 0.97').replace('export: {sparse: true}\n', '');
    const file = await writeRecipe(run.cwd, 'capped.yaml', capped);
    const dry = await runCli(['--dry-run', file], run.cwd);
    expect(dry.stdout).toMatch(/no parameter above 97\.0% sparsity/);
    const result = await runCli(['--progress', 'plain', file], run.cwd);
    expect(result.status, result.stderr).toBe(0);
    const report = await readFile(path.join(path.resolve(run.cwd, result.stdout.trim()), 'report.md'), 'utf8');
    expect(report).not.toMatch(/layer collapse/);
    // fc1 at its cap, floor(0.97 · 48000) = 46560; the step's total is round(0.95 · 59838) = 56846.
    expect(report).toMatch(/\| `fc1\/kernel` \| \[400, 120\] \| 48000 \| 46560 \|/);
    expect(report).toMatch(/global sparsity over the pruned parameters: \*\*95\.00%\*\* \(56846 of 59838\)/);
    expect(report).toMatch(/"max_sparsity_per_layer":0\.97/);
  });

  it('is refused for random_unstructured, where it is written', async () => {
    const file = await writeRecipe(run.cwd, 'random-capped.yaml', RECIPE.replace('l1_unstructured', 'random_unstructured').replace('amount: 0.9', 'amount: 0.9\n      max_sparsity_per_layer: 0.97'));
    const result = await runCli(['--dry-run', file], run.cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/random-capped\.yaml:\d+:\d+: .*max_sparsity_per_layer/);
  });
});
