/**
 * Identical reruns: the same small recipe (training, a global L1 stage, a stage of seeded random
 * pruning, fine-tuning after each) run twice through the command gives byte-identical masks and
 * weights, the same metrics.jsonl values and the same record.json, timings aside. A third run on
 * one training thread instead of two must give the same bits too (README: the gradient shards are
 * fixed, threads only change the speed).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';

const RECIPE = `seed: 11
model: {builtin: lenet}
# 300 images in batches of 32: the last batch is short (12), so uneven shards are covered too.
data: {builtin: mnist, train_size: 300, test_size: 64}
train: {epochs: 1, batch_size: 32, optimizer: adam, learning_rate: 0.002}
stages:
  - name: global-l1
    global:
      method: l1_unstructured
      amount: 0.4
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
    finetune: {epochs: 1}
  - name: random-local
    targets:
      - {select: {layer: fc1, param: kernel}, method: random_unstructured, amount: 0.3}
      - {select: {layer: conv2, param: kernel}, method: random_structured, amount: 0.25, axis: out}
    finetune: {epochs: 1, optimizer: sgd, learning_rate: 0.01}
`;

/** What a run wrote, minus what is allowed to differ: when it ran and how fast. */
interface RunOutputs {
  readonly hashes: Record<string, string>;
  readonly metrics: unknown[];
  readonly record: unknown;
  readonly manifest: Record<string, unknown>;
  /** Every metrics line's time, as written. */
  readonly times: string[];
}

const HASHED = ['masks.safetensors', 'model/weights.bin', 'model/model.json'];
/** Keys that hold times or speeds (or the run id, which is the start time). */
const TIMING_KEYS = new Set(['time', 'times', 'imagesPerSecond', 'runId']);

function withoutTiming(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTiming);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !TIMING_KEYS.has(key)).map(([key, v]) => [key, withoutTiming(v)]));
}

let cwd: string;

const BIN = path.resolve('bin/prune-run.js');

/** The command in a process of its own, as CI runs it (it runs dist/, built before the tests). */
function runInChild(argv: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [BIN, ...argv], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- it is an Error: @types/node types ExecFileException as an intersection of Omit<>s, which the rule cannot see through
      if (error !== null && typeof error.code !== 'number') fail(error);
      else done({ status: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

async function runOnce(name: string, extra: readonly string[] = [], where: 'in-process' | 'child' = 'in-process'): Promise<RunOutputs> {
  // Each run its own runs folder and no stage cache: every task is computed afresh.
  const argv = ['--progress', 'plain', '--no-cache', '--runs-dir', name, ...extra, 'determinism.yaml'];
  const result = where === 'child' ? await runInChild(argv) : await runCli(argv, cwd);
  expect(result.status, result.stderr).toBe(0);
  const dir = path.resolve(cwd, result.stdout.trim());
  const hashes: Record<string, string> = {};
  for (const file of HASHED) hashes[file] = createHash('sha256').update(await readFile(path.join(dir, file))).digest('hex');
  const lines = (await readFile(path.join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  return {
    times: lines.map((l) => (JSON.parse(l) as { time: string }).time),
    hashes,
    metrics: lines.map((l) => withoutTiming(JSON.parse(l))),
    record: withoutTiming(JSON.parse(await readFile(path.join(dir, 'record.json'), 'utf8'))),
    manifest: JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>,
  };
}

let first: RunOutputs;
let second: RunOutputs;

beforeAll(async () => {
  cwd = await makeTempDir('prune-run-determinism-');
  await writeRecipe(cwd, 'determinism.yaml', RECIPE);
  // Two threads asked for explicitly, so the one-thread comparison below compares two different set-ups on any machine.
  first = await runOnce('runs-a', ['--threads', '2']);
  second = await runOnce('runs-b');
});

afterAll(async () => {
  await removeDir(cwd);
});

describe('rerunning a recipe', () => {
  it('trained, pruned and fine-tuned something (the comparison is not of empty runs)', () => {
    expect(first.metrics.length).toBeGreaterThan(8);
    const phases = new Set(first.metrics.map((m) => (m as { phase: string }).phase));
    expect([...phases].sort()).toEqual(['evaluate', 'finetune', 'prune', 'train']);
  });

  it('computed every task again (nothing reused: each metrics line was written during its own run)', () => {
    const started = Date.parse(second.manifest['startedAt'] as string);
    expect(second.times.every((t) => Date.parse(t) >= started)).toBe(true);
    expect(second.times).toHaveLength(first.times.length);
  });

  it('gives byte-identical masks.safetensors and model weights', () => {
    expect(second.hashes).toEqual(first.hashes);
  });

  it('gives the same metrics.jsonl values, line for line, and the same record.json, timings aside', () => {
    expect(second.metrics).toEqual(first.metrics);
    expect(second.record).toEqual(first.record);
  });

  it('is promised by the manifest for the backend it ran on, with the reason', () => {
    const backend = (first.manifest['backend'] as { name: string }).name;
    expect(first.manifest['determinism']).toEqual({ promised: backend !== 'tensorflow', why: expect.stringMatching(new RegExp(`^${backend === 'tensorflow' ? 'tensorflow' : backend}`)) });
  });

  it('gives other bits for another seed (so the comparison can tell runs apart)', async () => {
    const other = await runOnce('runs-seed', ['--set', 'seed=12']);
    expect(other.hashes['masks.safetensors']).not.toBe(first.hashes['masks.safetensors']);
    expect(other.hashes['model/weights.bin']).not.toBe(first.hashes['model/weights.bin']);
    expect(other.metrics).not.toEqual(first.metrics);
  });

  it('gives the same bits on one training thread as on two', async () => {
    const single = await runOnce('runs-c', ['--threads', '1']);
    if ((single.manifest['backend'] as { name: string }).name === 'wasm') {
      expect(first.manifest['training']).toMatchObject({ loop: 'sharded', threads: 2 });
      expect(single.manifest['training']).toMatchObject({ loop: 'sharded', threads: 1 });
    }
    expect(single.hashes).toEqual(first.hashes);
    expect(single.metrics).toEqual(first.metrics);
  });

  it('gives the same bits in a fresh process (nothing carried over inside one process makes them equal)', async () => {
    const fresh = await runOnce('runs-child', [], 'child');
    expect(fresh.hashes).toEqual(first.hashes);
    expect(fresh.metrics).toEqual(first.metrics);
    expect(fresh.record).toEqual(first.record);
  });
});
