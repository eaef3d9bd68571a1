/**
 * Resume inside a fine-tune that prunes while it trains (a gradual schedule): interrupted with
 * SIGINT after its first epoch, the run goes on from the epoch checkpoint — weights, masks and the
 * schedule's position — and ends byte for byte where a run never interrupted ends: the same masks,
 * weights and metrics, mask updates included.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricsJsonl } from '../../src/runs/metrics.js';
import { interruptWhen, runCliChild } from '../helpers/child.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';

// 1,600 images in batches of 32: 50 steps an epoch; masks change every 10 steps over epochs 0–2.
const RECIPE = `seed: 5
model: {builtin: lenet}
data: {builtin: mnist, train_size: 1600, test_size: 200}
train: {epochs: 1, batch_size: 32}
stages:
  - name: gradual
    global:
      method: l1_unstructured
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
      schedule: {kind: gradual, initial: 0.0, final: 0.8, start: 0, end: 2, every: 10}
    finetune: {epochs: 3, batch_size: 32}
`;

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const metricsOf = async (dir: string) => parseMetricsJsonl(await readFile(path.join(dir, 'metrics.jsonl'), 'utf8')).map(({ time: _time, ...rest }) => rest);

let cwd: string;
let resumedDir: string;
let freshDir: string;
let stoppedStatus: number | null;

beforeAll(async () => {
  cwd = await makeTempDir();
  const file = await writeRecipe(cwd, 'gradual.yaml', RECIPE);
  const stopped = await interruptWhen(cwd, ['--progress', 'plain', '--no-cache', file], /finetune:gradual[\s\S]*epoch 1\/3/);
  stoppedStatus = stopped.status;
  const partial = (await readdir(path.join(cwd, 'runs'))).find((name) => name.endsWith('.partial'))!;
  const resumed = await runCliChild(cwd, ['resume', '--progress', 'plain', '--no-cache', path.join('runs', partial)]);
  expect(resumed.status, resumed.stderr).toBe(0);
  resumedDir = path.resolve(cwd, resumed.stdout.trim());
  const fresh = await runCliChild(cwd, ['--progress', 'plain', '--no-cache', '--runs-dir', 'fresh', file]);
  expect(fresh.status, fresh.stderr).toBe(0);
  freshDir = path.resolve(cwd, fresh.stdout.trim());
}, 180_000);

afterAll(async () => {
  await removeDir(cwd);
});

describe('an interrupted fine-tune that prunes on a schedule', () => {
  it('goes on from its epoch checkpoint, not from its first epoch', async () => {
    expect(stoppedStatus).toBe(130);
    const manifest = JSON.parse(await readFile(path.join(resumedDir, 'manifest.json'), 'utf8')) as { resumedTraining: { taskId: string; epochsDone: number }[] };
    expect(manifest.resumedTraining.map((r) => r.taskId)).toEqual(['finetune:gradual']);
    expect(manifest.resumedTraining[0]!.epochsDone).toBeGreaterThanOrEqual(1);
    expect(manifest.resumedTraining[0]!.epochsDone).toBeLessThan(3);
  });

  it('ends with the masks, weights and metrics (mask updates included) of a run never interrupted', async () => {
    expect(await sha256(path.join(resumedDir, 'masks.safetensors'))).toBe(await sha256(path.join(freshDir, 'masks.safetensors')));
    expect(await sha256(path.join(resumedDir, 'model', 'weights.bin'))).toBe(await sha256(path.join(freshDir, 'model', 'weights.bin')));
    const metrics = await metricsOf(resumedDir);
    expect(metrics).toEqual(await metricsOf(freshDir));
    // The schedule really pruned during the fine-tune: its epochs end at rising sparsity, up to its final 0.8.
    const sparsities = metrics.filter((m) => m.stage === 'gradual' && m.sparsity !== undefined).map((m) => m.sparsity!);
    expect(sparsities.length).toBeGreaterThanOrEqual(3);
    expect(sparsities.at(-1)).toBeCloseTo(0.8, 3);
    expect(sparsities[0]).toBeLessThan(0.8);
  });
});
