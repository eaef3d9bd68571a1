/**
 * The rerun promise: a backend with fixed summation orders promises the same bits, unless the run
 * trains a layer that draws its own random numbers from TF.js's generator (GaussianNoise, or a
 * Dropout outside the direct pass), which no recipe seed reaches.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { saveModel } from '../../src/engine/modelFiles.js';
import { determinismOf } from '../../src/runs/determinism.js';
import { makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';

describe('determinismOf', () => {
  it('promises the same bits on wasm and cpu, not with a random layer in training, never on tensorflow', () => {
    expect(determinismOf('wasm', 2).promised).toBe(true);
    expect(determinismOf('cpu', null).promised).toBe(true);
    const dropout = determinismOf('wasm', 2, ['drop']);
    expect(dropout.promised).toBe(false);
    expect(dropout.why).toMatch(/^training runs layer 'drop', which draws random numbers from TF\.js's own generator, not from the recipe's seed \(otherwise: wasm: /);
    expect(determinismOf('tensorflow', null, ['drop'])).toEqual(determinismOf('tensorflow', null));
  });
});

describe('a run of a model with a random layer', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await makeTempDir();
    await selectBackend('wasm');
    const save = async (folder: string, noise: tf.layers.Layer) => {
      const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1], name: 'flat' }), noise, tf.layers.dense({ units: 10, name: 'fc' })] });
      await saveModel(model, path.join(cwd, folder));
      model.dispose();
    };
    await save('noisy', tf.layers.gaussianNoise({ stddev: 0.1, name: 'noise' }));
    await save('dropout', tf.layers.dropout({ rate: 0.3, name: 'drop' }));
  });
  afterAll(async () => {
    await removeDir(cwd);
  });

  const recipe = (train: boolean, folder = 'noisy') =>
    `seed: 1\nmodel: {path: ${folder}/model.json}\ndata: {builtin: mnist, train_size: 64, test_size: 32}\n` +
    (train ? 'train: {epochs: 1, batch_size: 32}\n' : '') +
    'stages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n';

  const determinismOfRun = async (file: string, gradient = 'autodiff') => {
    const run = await runCli(['--progress', 'plain', '--no-cache', file], cwd);
    expect(run.status, run.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(cwd, run.stdout.trim(), 'manifest.json'), 'utf8')) as {
      determinism: { promised: boolean; why: string };
      training: { gradient?: string };
    };
    expect(manifest.training.gradient).toBe(gradient);
    return manifest.determinism;
  };

  it('does not promise the same bits when it trains, and says which layer is why', async () => {
    const trained = await determinismOfRun(await writeRecipe(cwd, 'trained.yaml', recipe(true)));
    expect(trained.promised).toBe(false);
    expect(trained.why).toContain("training runs layer 'noise'");
  });

  it('promises them for a Dropout the direct pass draws from the batch order, and keeps the promise', async () => {
    const file = await writeRecipe(cwd, 'dropout.yaml', recipe(true, 'dropout'));
    expect((await determinismOfRun(file, 'direct')).promised).toBe(true);
    const weights = async () => {
      const run = await runCli(['--progress', 'plain', '--no-cache', file], cwd);
      expect(run.status, run.stderr).toBe(0);
      return readFile(path.join(cwd, run.stdout.trim(), 'model', 'weights.bin'));
    };
    expect(Buffer.compare(await weights(), await weights())).toBe(0);
  });

  it('promises them when it only prunes', async () => {
    expect((await determinismOfRun(await writeRecipe(cwd, 'pruned.yaml', recipe(false)))).promised).toBe(true);
  });
});
