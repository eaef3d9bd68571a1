/**
 * Interrupt and resume: a run stopped with SIGINT in the middle of a fine-tune (a real child
 * process, as Ctrl-C would) leaves runs/<id>.partial with its finished tasks checkpointed and the
 * fine-tune's last finished epoch in an epoch checkpoint; `prune-run resume` goes on from there
 * (not from the fine-tune's first epoch) and ends in the same state as a run that was never
 * interrupted: the same masks and weights, byte for byte, and the same metrics.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricsJsonl } from '../../src/runs/metrics.js';
import { interruptWhen, runCliChild } from '../helpers/child.js';
import { makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';

const RECIPE = `seed: 11
model: {builtin: lenet}
data: {builtin: mnist, train_size: 1600, test_size: 200}
train: {epochs: 1, batch_size: 32}
stages:
  - name: s1
    global:
      method: l1_unstructured
      amount: 0.3
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
    finetune: {epochs: 4, batch_size: 32}
  - name: s2
    targets:
      - {select: {layer_type: dense, param: kernel}, method: random_unstructured, amount: 0.2}
    finetune: {epochs: 1}
`;

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/** metrics.jsonl without the times, which differ between any two runs. */
async function metricsOf(dir: string): Promise<unknown[]> {
  return parseMetricsJsonl(await readFile(path.join(dir, 'metrics.jsonl'), 'utf8')).map(({ time: _time, ...rest }) => rest);
}

let cwd: string;
let resumedDir: string;
let uninterruptedDir: string;
let interrupted: { status: number | null; stderr: string };
let partialManifest: { status: string; stoppedInTask: string; completedTasks: string[] };
let partialFiles: string[];
let trainingFiles: string[];

beforeAll(async () => {
  cwd = await makeTempDir();
  const file = await writeRecipe(cwd, 'resume.yaml', RECIPE);
  // Interrupted once the fine-tune of s1 has trained an epoch: mid-fine-tune.
  interrupted = await interruptWhen(cwd, ['--progress', 'plain', '--no-cache', file], /finetune:s1[\s\S]*epoch 1\/4/);
  const partial = (await readdir(path.join(cwd, 'runs'))).find((name) => name.endsWith('.partial'))!;
  const partialDir = path.join(cwd, 'runs', partial);
  partialManifest = JSON.parse(await readFile(path.join(partialDir, 'manifest.json'), 'utf8')) as typeof partialManifest;
  partialFiles = (await readdir(path.join(partialDir, 'checkpoints'))).sort();
  trainingFiles = (await readdir(path.join(partialDir, 'checkpoints', 'training'))).sort();
  // In a child too: the checkpoints' keys name the code that wrote them (dist/), which the test runner's src/ is not.
  const resumed = await runCliChild(cwd, ['resume', '--progress', 'plain', '--no-cache', path.join('runs', partial)]);
  expect(resumed.status, resumed.stderr).toBe(0);
  resumedDir = path.resolve(cwd, resumed.stdout.trim());
  const fresh = await runCli(['--progress', 'plain', '--no-cache', '--runs-dir', 'fresh', file], cwd);
  expect(fresh.status, fresh.stderr).toBe(0);
  uninterruptedDir = path.resolve(cwd, fresh.stdout.trim());
}, 120_000);

afterAll(async () => {
  await removeDir(cwd);
});

describe('an interrupted run', () => {
  it('stops with status 130 in the fine-tune, leaving .partial with a checkpoint per finished task', () => {
    expect(interrupted.status, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toMatch(/continue it with: prune-run resume runs\/\S+\.partial/);
    expect(partialManifest.status).toBe('interrupted');
    expect(partialManifest.stoppedInTask).toBe('finetune:s1');
    // train, evaluate:before-pruning, prune:s1, evaluate:s1:pruned: each has data and sidecar.
    expect(partialFiles.filter((f) => f.endsWith('.safetensors'))).toHaveLength(4);
    expect(partialFiles.filter((f) => f.endsWith('.json'))).toHaveLength(4);
    // The fine-tune's epoch checkpoint: one entry (data and sidecar), rewritten each epoch, not one per epoch.
    expect(trainingFiles.filter((f) => f.endsWith('.safetensors'))).toHaveLength(1);
    expect(trainingFiles.filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('resumes to the same masks, weights and metrics as a run never interrupted', async () => {
    expect(path.basename(resumedDir)).toBe(path.basename(resumedDir).replace(/\.partial$/, ''));
    expect(await sha256(path.join(resumedDir, 'masks.safetensors'))).toBe(await sha256(path.join(uninterruptedDir, 'masks.safetensors')));
    expect(await sha256(path.join(resumedDir, 'model', 'weights.bin'))).toBe(await sha256(path.join(uninterruptedDir, 'model', 'weights.bin')));
    expect(await metricsOf(resumedDir)).toEqual(await metricsOf(uninterruptedDir));
  });

  it('says what it reused, and leaves no checkpoints in the finished folder', async () => {
    const manifest = JSON.parse(await readFile(path.join(resumedDir, 'manifest.json'), 'utf8')) as {
      status: string;
      reusedTasks: { taskId: string; from: string }[];
      resumes: { from: string }[];
      resumedTraining: { taskId: string; epochsDone: number }[];
    };
    expect(manifest.status).toBe('succeeded');
    expect(manifest.reusedTasks.map((r) => [r.taskId, r.from])).toEqual([
      ['train', 'checkpoint'],
      ['evaluate:before-pruning', 'checkpoint'],
      ['prune:s1', 'checkpoint'],
      ['evaluate:s1:pruned', 'checkpoint'],
    ]);
    expect(manifest.resumes.map((r) => r.from)).toEqual(['finetune:s1']);
    // Stopped once epoch 1 of 4 was reported: the fine-tune went on after a finished epoch, not from its start.
    expect(manifest.resumedTraining.map((r) => r.taskId)).toEqual(['finetune:s1']);
    expect(manifest.resumedTraining[0]!.epochsDone).toBeGreaterThanOrEqual(1);
    expect(manifest.resumedTraining[0]!.epochsDone).toBeLessThan(4);
    expect(await readdir(resumedDir)).not.toContain('checkpoints');
  });

  it('refuses a run whose process is still going', async () => {
    const live = path.join(cwd, 'runs', '20261201-000000Z-0123abcd.partial');
    await mkdir(live, { recursive: true });
    await writeFile(path.join(live, 'manifest.json'), JSON.stringify({ status: 'running', process: { pid: process.pid, host: hostname() } }));
    const result = await runCli(['resume', path.relative(cwd, live)], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`the run is still going \\(process ${process.pid}\\); stop it first`));
  });

  it('refuses a folder that is not an unfinished run, with exit 2', async () => {
    const result = await runCli(['resume', path.relative(cwd, resumedDir)], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/not an unfinished run \(its name does not end in \.partial\)/);
  });
});
