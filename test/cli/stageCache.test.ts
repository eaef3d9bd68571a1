/**
 * The stage cache: a rerun whose only change is in its last stage reuses every earlier task (and
 * says so), and ends exactly where an uncached run of the changed recipe ends; an entry whose
 * bytes no longer match their hash is reported and recomputed, never trusted; cacheDir in the
 * project config moves it; --no-cache neither reads nor writes it; a model file is known by its
 * content, wherever it is and wherever a recipe names it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { saveModel } from '../../src/engine/modelFiles.js';
import { listTree, makeTempDir, removeDir, runCli, testCacheHome, writeRecipe, type CliResult } from '../helpers/cli.js';
import { runCliChild } from '../helpers/child.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const recipe = (amount: number) => `seed: 5
model: {builtin: lenet}
data: {builtin: mnist, train_size: 320, test_size: 100}
train: {epochs: 1, batch_size: 32}
stages:
  - name: first
    global:
      method: l1_unstructured
      amount: 0.3
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
    finetune: {epochs: 1}
  - name: last
    targets:
      - {select: {layer_type: dense, param: kernel}, method: l1_unstructured, amount: ${amount}}
    finetune: {epochs: 1}
`;

const EARLIER = ['train', 'evaluate:before-pruning', 'prune:first', 'evaluate:first:pruned', 'finetune:first', 'evaluate:first:finetuned'];

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const outputs = async (dir: string) => [await sha256(path.join(dir, 'masks.safetensors')), await sha256(path.join(dir, 'model', 'weights.bin'))];
const reusedOf = async (dir: string) =>
  (JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { reusedTasks: { taskId: string; from: string }[] }).reusedTasks;

/** A first run of the recipe fills the stage cache; the second, of the recipe with its last stage changed, reuses it. */
const first = runRecipeOnce({ file: 'r.yaml', text: recipe(0.4) });
const cacheDir = () => path.join(testCacheHome(first.cwd), 'prune-run', 'stages');
let second: CliResult;
let cachedDir: string;
beforeAll(async () => {
  await writeRecipe(first.cwd, 'r.yaml', recipe(0.6));
  second = await runCli(['--progress', 'plain', 'r.yaml'], first.cwd);
  expect(second.status, second.stderr).toBe(0);
  cachedDir = path.resolve(first.cwd, second.stdout.trim());
});

/** A working folder of the test's own with the changed recipe, for tests that configure the cache. */
async function inOwnFolder(test: (cwd: string) => Promise<void>): Promise<void> {
  const cwd = await makeTempDir();
  try {
    await writeRecipe(cwd, 'r.yaml', recipe(0.6));
    await test(cwd);
  } finally {
    await removeDir(cwd);
  }
}

describe('the stage cache', () => {
  it('reuses every task before the changed stage, says which, and matches an uncached run', async () => {
    const cwd = first.cwd;
    expect(await reusedOf(first.runDir)).toEqual([]);
    expect((await reusedOf(cachedDir)).map((r) => [r.taskId, r.from])).toEqual(EARLIER.map((id) => [id, 'cache']));
    expect(second.stderr).toMatch(/\[COMPLETED\] finetune:first: reused from the stage cache \(key [0-9a-f]{12}\)/);
    expect(second.stderr).toMatch(/\[COMPLETED\] finetune:last: loss/);
    expect(second.stderr).toContain(`reused, not run again: ${EARLIER.map((id) => `${id} (stage cache)`).join(', ')}`);
    expect(await readFile(path.join(cachedDir, 'report.md'), 'utf8')).toMatch(/reused, not run again: `train` \(from the stage cache\)/);

    const uncached = await runCli(['--progress', 'plain', '--no-cache', '--runs-dir', 'uncached', 'r.yaml'], cwd);
    expect(uncached.status, uncached.stderr).toBe(0);
    const uncachedDir = path.resolve(cwd, uncached.stdout.trim());
    expect(await reusedOf(uncachedDir)).toEqual([]);
    expect(await outputs(cachedDir)).toEqual(await outputs(uncachedDir));
    // The finished folders hold no checkpoints; the cache holds them.
    expect(await listTree(cachedDir)).not.toContain('checkpoints');
  });

  it('does not trust an entry whose bytes changed: it says so, recomputes, and gets the same result', async () => {
    const entries = (await readdir(cacheDir())).filter((f) => f.endsWith('.json'));
    const sidecars = await Promise.all(entries.map(async (f) => JSON.parse(await readFile(path.join(cacheDir(), f), 'utf8')) as { taskId: string; data: string }));
    const train = sidecars.find((s) => s.taskId === 'train')!;
    const data = path.join(cacheDir(), train.data);
    const bytes = await readFile(data);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(data, bytes);

    const again = await runCli(['--progress', 'plain', '--runs-dir', 'again', 'r.yaml'], first.cwd);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/note: stage cache: .*does not match its sha256 .*; ignored/);
    expect(again.stderr).toMatch(/\[COMPLETED\] train: loss/);
    const againDir = path.resolve(first.cwd, again.stdout.trim());
    expect(await outputs(againDir)).toEqual(await outputs(cachedDir));
    expect(second.stderr).not.toMatch(/does not match/);
  });

  it('goes on without caching when the cache cannot be written, and says so', async () => {
    const blocked = await makeTempDir();
    try {
      await writeRecipe(blocked, 'r.yaml', recipe(0.4));
      await writeFile(path.join(blocked, 'not-a-folder'), 'a file where the cache folder should be');
      await writeFile(path.join(blocked, '.prune-runrc.json'), JSON.stringify({ cacheDir: 'not-a-folder' }));
      const run = await runCli(['--progress', 'plain', 'r.yaml'], blocked);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/note: stage cache: cannot write to .*not-a-folder \((EEXIST|ENOTDIR)\); train is not cached/);
    } finally {
      await removeDir(blocked);
    }
  });

  it("lives in the user's cache folder by default ($XDG_CACHE_HOME/prune-run/stages), not in the working folder", () =>
    inOwnFolder(async (cwd) => {
      const xdg = path.join(cwd, 'xdg-cache');
      const run = await runCliChild(cwd, ['--progress', 'plain', 'r.yaml'], { env: { XDG_CACHE_HOME: xdg }, timeoutMs: 110_000 });
      expect(run.status, run.stderr).toBe(0);
      expect((await readdir(path.join(xdg, 'prune-run', 'stages'))).filter((f) => f.endsWith('.safetensors')).length).toBe(EARLIER.length + 4);
      expect(await listTree(cwd)).not.toContain('node_modules');
    }));

  it('lives where the project config says, and --no-cache leaves it alone', () =>
    inOwnFolder(async (cwd) => {
      await writeFile(path.join(cwd, '.prune-runrc.json'), JSON.stringify({ cacheDir: 'my-cache' }));
      const run = await runCli(['--progress', 'plain', '--runs-dir', 'configured', 'r.yaml'], cwd);
      expect(run.status, run.stderr).toBe(0);
      expect((await readdir(path.join(cwd, 'my-cache'))).filter((f) => f.endsWith('.safetensors')).length).toBe(EARLIER.length + 4);
      const before = (await readdir(path.join(cwd, 'my-cache'))).length;
      const uncached = await runCli(['--progress', 'plain', '--no-cache', '--runs-dir', 'configured', 'r.yaml'], cwd);
      expect(uncached.status, uncached.stderr).toBe(0);
      expect(uncached.stderr).not.toMatch(/reused/);
      expect((await readdir(path.join(cwd, 'my-cache'))).length).toBe(before);
    }));

  it('is trimmed to cacheMaxMB after a run, least recently used first, and says what went', () =>
    inOwnFolder(async (cwd) => {
      // A limit below one run's entries (each ~0.25 MB here): the run keeps what fits.
      await writeFile(path.join(cwd, '.prune-runrc.json'), JSON.stringify({ cacheDir: 'small-cache', cacheMaxMB: 1 }));
      const run = await runCli(['--progress', 'plain', '--runs-dir', 'small', 'r.yaml'], cwd);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/note: stage cache: removed \d+ least recently used entr(y|ies) \([\d.]+ MB\) to keep .*small-cache under 1\.0 MB/);
      const files = await readdir(path.join(cwd, 'small-cache'));
      const sizes = await Promise.all(files.map(async (f) => (await readFile(path.join(cwd, 'small-cache', f))).length));
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1024 * 1024);
      // Every sidecar left names a data file that is there.
      const sidecars = files.filter((f) => f.endsWith('.json'));
      expect(sidecars.length).toBeGreaterThan(0);
      for (const f of sidecars) {
        const { data } = JSON.parse(await readFile(path.join(cwd, 'small-cache', f), 'utf8')) as { data: string };
        expect(files).toContain(data);
      }

      await writeFile(path.join(cwd, '.prune-runrc.json'), JSON.stringify({ cacheMaxMB: 0 }));
      const refused = await runCli(['r.yaml'], cwd);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/\.prune-runrc\.json:1:15: cacheMaxMB must be a number > 0, got 0$/m);
    }));
});

describe('two recipes over the same model file', () => {
  const recipeOf = (model: string, blankLines: number) =>
    `seed: 2\n${'\n'.repeat(blankLines)}model: {path: ${model}}\ndata: {builtin: mnist, train_size: 64, test_size: 32}\ntrain: {epochs: 1, batch_size: 32}\n` +
    'stages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n';
  let cwd: string;
  beforeAll(async () => {
    cwd = await makeTempDir();
    await selectBackend('wasm');
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1], name: 'flat' }), tf.layers.dense({ units: 10, name: 'fc' })] });
    await saveModel(model, path.join(cwd, 'shared', 'net'));
    model.dispose();
    await mkdir(path.join(cwd, 'a'));
    await mkdir(path.join(cwd, 'b', 'deeper'), { recursive: true });
    await writeRecipe(cwd, 'a/first.yaml', recipeOf('../shared/net/model.json', 0));
    await writeRecipe(cwd, 'b/deeper/second.yaml', recipeOf(path.join(cwd, 'shared', 'net', 'model.json'), 3));
  });
  afterAll(async () => {
    await removeDir(cwd);
  });
  const reusedTasksOf = async (file: string) => {
    const run = await runCli(['--progress', 'plain', file], cwd);
    expect(run.status, run.stderr).toBe(0);
    return (await reusedOf(path.resolve(cwd, run.stdout.trim()))).map((r) => r.taskId);
  };

  it('share its training, from any folder and any line; a changed weights file does not', async () => {
    expect(await reusedTasksOf('a/first.yaml')).toEqual([]);
    expect(await reusedTasksOf('b/deeper/second.yaml')).toEqual(['train', 'evaluate:before-pruning', 'prune:s', 'evaluate:s:pruned']);
    const weights = path.join(cwd, 'shared', 'net', 'weights.bin');
    const bytes = await readFile(weights);
    bytes.writeFloatLE(bytes.readFloatLE(0) + 0.5, 0);
    await writeFile(weights, bytes);
    expect(await reusedTasksOf('b/deeper/second.yaml')).toEqual([]);
  });
});
