/**
 * Every recipe in recipes/ compiles (--dry-run: parse, validate, plan, every selector and
 * schedule checked against its model; the Fashion-MNIST recipes find tiny IDX stand-ins in the
 * user cache folder, so the test does not depend on the machine having the real files) — the full runs take minutes and are left to the README's
 * commands — and one small scheduled run through the command, whose metrics.jsonl must log each
 * mask update at the schedule's formula.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonRound } from '../../src/prune/index.js';
import { parseMetricsJsonl } from '../../src/runs/metrics.js';
import type { RunRecord } from '../../src/runs/record.js';
import { idxHeader } from '../helpers/badFiles.js';
import { makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';

const RECIPES = path.resolve(import.meta.dirname, '../../recipes');

const dirs: string[] = [];
/**
 * Stand-ins for Fashion-MNIST's four files, of its real counts and image size (all zeros, so tiny
 * gzipped): the recipes' train_size (20,000) is checked against what the files hold.
 */
const FASHION_FILES: [string, number[]][] = [
  ['train-images-idx3-ubyte', [60_000, 28, 28]],
  ['train-labels-idx1-ubyte', [60_000]],
  ['t10k-images-idx3-ubyte', [10_000, 28, 28]],
  ['t10k-labels-idx1-ubyte', [10_000]],
];
const cacheHomeBefore = process.env['XDG_CACHE_HOME'];
beforeAll(async () => {
  const cacheHome = await makeTempDir();
  dirs.push(cacheHome);
  const folder = path.join(cacheHome, 'prune-run', 'fashion-mnist');
  await mkdir(folder, { recursive: true });
  for (const [name, dims] of FASHION_FILES) {
    const header = idxHeader(dims);
    await writeFile(path.join(folder, `${name}.gz`), gzipSync(Buffer.concat([header, Buffer.alloc(dims.reduce((a, b) => a * b, 1))])));
  }
  process.env['XDG_CACHE_HOME'] = cacheHome;
});
afterAll(async () => {
  if (cacheHomeBefore === undefined) delete process.env['XDG_CACHE_HOME'];
  else process.env['XDG_CACHE_HOME'] = cacheHomeBefore;
  for (const dir of dirs) await removeDir(dir);
});

describe('the shipped recipes', () => {
  it('each compiles to a plan', async () => {
    const files = (await readdir(RECIPES)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'lenet-gradual.yaml', 'lenet-iterative.yaml', 'lenet-lottery.yaml', 'lenet-filters.yaml', 'lenet-2of4.yaml', 'custom-every-other.yaml',
        'resnet-fashion.yaml', 'mobilenet-fashion.yaml',
      ]),
    );
    for (const file of files) {
      const result = await runCli(['--dry-run', '--allow-plugins', path.join(RECIPES, file)], RECIPES);
      expect(result.status, `${file}: ${result.stderr}`).toBe(0);
      if (file.includes('fashion')) expect(result.stdout).toContain(`built-in fashion-mnist from ${path.join(process.env['XDG_CACHE_HOME']!, 'prune-run', 'fashion-mnist')}`);
    }
  });

  it('lenet-gradual.yaml lays 26 mask updates on 125 steps per epoch, ending at 90%', async () => {
    const result = await runCli(['--dry-run', '--json', path.join(RECIPES, 'lenet-gradual.yaml')], RECIPES);
    const plan = JSON.parse(result.stdout) as { tasks: { id: string; stepsPerEpoch?: number; scheduled?: { updates: { step: number; sparsity: number }[] }[] }[] };
    const finetune = plan.tasks.find((t) => t.id === 'finetune:gradual-90')!;
    expect(finetune.stepsPerEpoch).toBe(125);
    const updates = finetune.scheduled![0]!.updates;
    expect(updates).toHaveLength(26);
    expect(updates.at(-1)).toEqual({ step: 625, sparsity: 0.9 });
  });
});

describe('a scheduled run through the command', () => {
  it('logs the sparsity after each mask update in metrics.jsonl, at the formula, and reports the updates', async () => {
    const cwd = await makeTempDir();
    dirs.push(cwd);
    const file = await writeRecipe(
      cwd,
      'gradual.yaml',
      `seed: 2
model: {builtin: lenet}
data: {builtin: mnist, train_size: 192, test_size: 64}
stages:
  - name: gradual
    global:
      method: l1_unstructured
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
      schedule: {kind: gradual, final: 0.8, start: 0, end: 1, every: 2}
    finetune: {epochs: 2, batch_size: 32}
report: {evaluate: true, save_model: false}
`,
    );
    const result = await runCli(['--progress', 'plain', file], cwd);
    expect(result.status, result.stderr).toBe(0);
    const runDir = path.resolve(cwd, result.stdout.trim());
    const lines = parseMetricsJsonl(await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8')).filter((l) => l.phase === 'prune');
    const total = 59838;
    // 6 steps per epoch: updates at 0, 2, 4 and the end, 6.
    expect(lines.map((l) => l.step)).toEqual([0, 2, 4, 6]);
    for (const line of lines) {
      const t = line.step!;
      const formula = 0.8 + (0 - 0.8) * (1 - t / 6) ** 3;
      expect(line.sparsity).toBe(pythonRound(formula * total) / total);
      expect(line.stage).toBe('gradual');
    }
    const record = JSON.parse(await readFile(path.join(runDir, 'record.json'), 'utf8')) as RunRecord;
    expect(record.training[0]!.maskUpdates!.map((u) => u.step)).toEqual([0, 2, 4, 6]);
    expect(record.globalPruned!.zeros).toBe(pythonRound(0.8 * total));
    const report = await readFile(path.join(runDir, 'report.md'), 'utf8');
    expect(report).toMatch(/## Scheduled pruning[\s\S]*\| 6 \| 2 \| 80\.00% \| 80\.00% \|/);
  });
});
