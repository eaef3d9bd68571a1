/**
 * The rerun promise: a backend with fixed summation orders promises the same bits, unless the run
 * trains a layer that draws its own random numbers (Dropout and kin), which no recipe seed reaches.
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

describe('a run of a model with Dropout', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await makeTempDir();
    await selectBackend('wasm');
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [28, 28, 1], name: 'flat' }), tf.layers.dropout({ rate: 0.3, name: 'drop' }), tf.layers.dense({ units: 10, name: 'fc' })],
    });
    await saveModel(model, path.join(cwd, 'net'));
    model.dispose();
  });
  afterAll(async () => {
    await removeDir(cwd);
  });

  const recipe = (train: boolean) =>
    `seed: 1\nmodel: {path: net/model.json}\ndata: {builtin: mnist, train_size: 64, test_size: 32}\n` +
    (train ? 'train: {epochs: 1, batch_size: 32}\n' : '') +
    'stages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n';

  const determinismOfRun = async (file: string) => {
    const run = await runCli(['--progress', 'plain', '--no-cache', file], cwd);
    expect(run.status, run.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(cwd, run.stdout.trim(), 'manifest.json'), 'utf8')) as {
      determinism: { promised: boolean; why: string };
      training: { gradient?: string };
    };
    // Dropout is not a layer the direct pass runs: this model trains through autodiff.
    expect(manifest.training.gradient).toBe('autodiff');
    return manifest.determinism;
  };

  it('does not promise the same bits when it trains, and says which layer is why', async () => {
    const trained = await determinismOfRun(await writeRecipe(cwd, 'trained.yaml', recipe(true)));
    expect(trained.promised).toBe(false);
    expect(trained.why).toContain("training runs layer 'drop'");
  });

  it('promises them when it only prunes', async () => {
    expect((await determinismOfRun(await writeRecipe(cwd, 'pruned.yaml', recipe(false)))).promised).toBe(true);
  });
});
