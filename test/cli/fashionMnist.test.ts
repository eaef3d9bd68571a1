/**
 * `--dry-run` of a recipe on data: {builtin: fashion-mnist}, its folder named by the project
 * config (tiny IDX files of 28×28 images stand in for the files: the data must fit the model, LeNet),
 * and the config's datasets key refused when wrong.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idxFile } from '../helpers/badFiles.js';
import { listTree, makeTempDir, runCli, writeRecipe } from '../helpers/cli.js';

/** Fashion-MNIST's four file names, each with its stand-in: 6 train and 3 test images, labels 0 to 2. */
const FILES: Readonly<Record<string, Uint8Array>> = {
  'train-images-idx3-ubyte': idxFile([6, 28, 28]),
  'train-labels-idx1-ubyte': idxFile([6], Uint8Array.from([0, 1, 2, 0, 1, 2])),
  't10k-images-idx3-ubyte': idxFile([3, 28, 28]),
  't10k-labels-idx1-ubyte': idxFile([3], Uint8Array.from([2, 1, 0])),
};
const RECIPE =
  'model: {builtin: lenet}\ndata: {builtin: fashion-mnist, train_size: 4}\ntrain: {epochs: 1, batch_size: 2}\n' +
  'stages:\n  - name: s\n    targets:\n      - { select: { layer: fc1, param: kernel }, method: l1_unstructured, amount: 0.5 }\n';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
  await mkdir(path.join(cwd, 'data', 'fm'), { recursive: true });
  for (const [name, bytes] of Object.entries(FILES)) await writeFile(path.join(cwd, 'data', 'fm', `${name}.gz`), gzipSync(bytes));
  await writeRecipe(cwd, 'package.json', '{}');
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('builtin fashion-mnist on the command line', () => {
  it('--dry-run names the folder from the project config and the caps, and writes nothing', async () => {
    await writeRecipe(cwd, '.prune-runrc.json', JSON.stringify({ datasets: { 'fashion-mnist': 'data/fm' } }));
    await writeRecipe(cwd, 'r.yaml', RECIPE);
    const result = await runCli(['--dry-run', 'r.yaml'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `2. load-data\n      built-in fashion-mnist from ${path.join(cwd, 'data', 'fm')}: ` +
        '4 train images, the first after a shuffle by seed 0 / every test image\n',
    );
    const plan = JSON.parse((await runCli(['--dry-run', '--json', 'r.yaml'], cwd)).stdout) as { tasks: { kind: string; data?: unknown }[] };
    expect(plan.tasks.find((t) => t.kind === 'load-data')?.data).toMatchObject({ kind: 'builtin', name: 'fashion-mnist', trainSize: 4, testSize: null });
    expect(await listTree(path.join(cwd, 'runs'))).toEqual([]);
  });

  it('refuses a datasets key that names an unknown data set or no folder', async () => {
    await writeRecipe(cwd, 'r.yaml', RECIPE);
    await writeRecipe(cwd, '.prune-runrc.json', JSON.stringify({ datasets: { fashion: 'data/fm' } }));
    const unknown = await runCli(['--dry-run', 'r.yaml'], cwd);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/\.prune-runrc\.json:1:14: unknown key "fashion" in datasets \(allowed: fashion-mnist\)/);
    await writeRecipe(cwd, '.prune-runrc.json', JSON.stringify({ datasets: { 'fashion-mnist': 3 } }));
    const notFolder = await runCli(['--dry-run', 'r.yaml'], cwd);
    expect(notFolder.status).toBe(2);
    expect(notFolder.stderr).toMatch(/\.prune-runrc\.json:1:30: datasets\.fashion-mnist must be a string, got 3/);
  });
});
