/**
 * `prune-run sweep`: 8 points run as 4 shards in 4 separate processes (separate run folders, one
 * shared cache folder) and merged give the same per-point masks and metrics, byte for byte (times
 * aside), and the same report as the whole sweep on one machine; each cache computes the training
 * the points share once. Also: the points and their TensorBoard summaries, a bad sweep refused at
 * its line before anything runs, and the GitHub Actions workflow, parsed by GitHub's own parser.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { SweepReport } from '../../src/sweep/report.js';
import { listTree, makeTempDir, removeDir, runCli, type CliResult } from '../helpers/cli.js';
import { decodeEvent, decodePluginData, hparamsOfSession, readRunEvents } from '../helpers/tensorboard.js';
import { readRecords } from '../../src/runs/tensorboard/records.js';

const BIN = path.resolve('bin/prune-run.js');

const RECIPE = `seed: 3
model: {builtin: lenet}
data: {builtin: mnist, train_size: 64, test_size: 32}
train: {epochs: 1, batch_size: 32}
stages:
  - name: prune
    global: {method: l1_unstructured, amount: 0.5, select: [{layer_type: [conv2d, dense], param: kernel}]}
    finetune: {epochs: 1, batch_size: 32}
`;
const SWEEP = `recipe: r.yaml
grid:
  stages.0.global.amount: [0.2, 0.4, 0.6, 0.8]
  stages.0.finetune.learning_rate: [0.001, 0.01]
`;

async function setUp(cwd: string): Promise<void> {
  await writeFile(path.join(cwd, 'r.yaml'), RECIPE);
  await writeFile(path.join(cwd, 'sweep.yaml'), SWEEP);
}

function runBin(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Each working folder its own stage cache (the default one is the user's cache folder).
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: path.join(cwd, '.cache') } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

let whole: string;
let sharded: string;
let wholeResult: CliResult;
const shardResults: CliResult[] = [];
let mergeResult: CliResult;

beforeAll(async () => {
  whole = await makeTempDir('prune-run-sweep-whole-');
  sharded = await makeTempDir('prune-run-sweep-shards-');
  await setUp(whole);
  await setUp(sharded);
  wholeResult = await runBin(['sweep', 'sweep.yaml'], whole);
  // Four processes at once, each its own runs folder, all on the working folder's one stage cache.
  shardResults.push(...(await Promise.all([1, 2, 3, 4].map((i) => runBin(['sweep', 'sweep.yaml', '--shard', `${i}/4`, '--jobs', '1', '--runs-dir', `shard-${i}`], sharded)))));
  const folders = (await Promise.all([1, 2, 3, 4].map(async (i) => (await readdir(path.join(sharded, `shard-${i}`))).map((f) => `shard-${i}/${f}`)))).flat();
  mergeResult = await runCli(['sweep', 'merge', '--name', 'sweep', '--out', 'merged', ...folders.reverse()], sharded);
}, 600_000);

afterAll(async () => {
  await removeDir(whole);
  await removeDir(sharded);
});

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const withoutTimes = (text: string) => text.split('\n').map((line) => line.replace(/,"time":"[^"]*"/, '')).join('\n');
const trainExecutions = async (folders: readonly string[]) => {
  const manifests = await Promise.all(folders.map((f) => readJson<{ reusedTasks: { taskId: string }[] }>(path.join(f, 'manifest.json'))));
  return manifests.filter((m) => !m.reusedTasks.some((r) => r.taskId === 'train')).length;
};

describe('a sweep of 8 points', () => {
  it('as 4 shards in 4 processes, merged, gives what the whole sweep on one machine gives', async () => {
    expect(wholeResult.status, wholeResult.stderr).toBe(0);
    for (const r of shardResults) expect(r.status, r.stderr).toBe(0);
    expect(mergeResult.status, mergeResult.stderr).toBe(0);
    expect(shardResults.map((r) => r.stderr.match(/sweep sweep: shard (\d)\/4 \(--shard\): 2 of 8 points \((p\d\d), (p\d\d)\)/)?.slice(1))).toEqual([
      ['1', 'p01', 'p02'], ['2', 'p03', 'p04'], ['3', 'p05', 'p06'], ['4', 'p07', 'p08'],
    ]);
    for (const i of [1, 2, 3, 4]) expect((await readdir(path.join(sharded, `shard-${i}`))).filter((f) => !f.endsWith('.partial'))).toHaveLength(2);

    const a = await readJson<SweepReport>(path.join(whole, 'runs', 'sweep-sweep', 'sweep.json'));
    const b = await readJson<SweepReport>(path.join(sharded, 'merged', 'sweep.json'));
    expect(a.points).toHaveLength(8);
    expect(a.varying).toEqual(['stages.0.global.amount', 'stages.0.finetune.learning_rate']);
    const strip = (r: SweepReport) => r.points.map(({ folder: _f, runId: _r, ...rest }) => rest);
    expect(strip(b)).toEqual(strip(a));
    expect(a.points.map((p) => [p.hparams['stages.0.global.amount'], p.hparams['stages.0.finetune.learning_rate']])).toEqual(
      [0.2, 0.4, 0.6, 0.8].flatMap((amount) => [0.001, 0.01].map((lr) => [amount, lr])),
    );
    for (const [i, p] of a.points.entries()) {
      const q = b.points[i]!;
      const aDir = path.resolve(whole, p.folder);
      const bDir = path.resolve(sharded, q.folder);
      expect(await readFile(path.join(bDir, 'masks.safetensors'))).toEqual(await readFile(path.join(aDir, 'masks.safetensors')));
      expect(withoutTimes(await readFile(path.join(bDir, 'metrics.jsonl'), 'utf8'))).toBe(withoutTimes(await readFile(path.join(aDir, 'metrics.jsonl'), 'utf8')));
      expect(await readFile(path.join(bDir, 'model', 'weights.bin'))).toEqual(await readFile(path.join(aDir, 'model', 'weights.bin')));
    }
    // The points differ where they should: more pruning, more zeros.
    expect(a.points[6]!.sparsity!).toBeGreaterThan(a.points[0]!.sparsity!);
  });

  it('computes the training the points share once per stage cache', async () => {
    const wholeRuns = (await readdir(path.join(whole, 'runs'))).filter((f) => !f.startsWith('sweep-')).map((f) => path.join(whole, 'runs', f));
    expect(wholeRuns).toHaveLength(8);
    expect(await trainExecutions(wholeRuns)).toBe(1);
    const shardRuns = (await Promise.all([1, 2, 3, 4].map(async (i) => (await readdir(path.join(sharded, `shard-${i}`))).map((f) => path.join(sharded, `shard-${i}`, f))))).flat();
    expect(await trainExecutions(shardRuns)).toBe(1);
  });

  it("writes each point's hyperparameters and the sweep's HParams experiment for TensorBoard", async () => {
    const report = await readJson<SweepReport>(path.join(whole, 'runs', 'sweep-sweep', 'sweep.json'));
    for (const p of report.points) {
      const { events } = await readRunEvents(path.resolve(whole, p.folder));
      expect(hparamsOfSession(events[1]!)).toEqual({ seed: 3, ...p.hparams });
    }
    const tb = path.join(whole, 'runs', 'sweep-sweep', 'tb');
    const [file] = await readdir(tb);
    const events = readRecords(await readFile(path.join(tb, file!))).map(decodeEvent);
    const experiment = decodePluginData(events[1]!.summary!.value[0]!) as {
      experiment: { name: string; hparam_infos: { name: string; type: string; domain_discrete: { values: { number_value: number }[] } }[]; metric_infos: { name: { tag: string } }[] };
    };
    expect(events[1]!.summary!.value[0]!.tag).toBe('_hparams_/experiment');
    expect(experiment.experiment.name).toBe('sweep');
    expect(experiment.experiment.hparam_infos.map((h) => [h.name, h.type, h.domain_discrete.values.map((v) => v.number_value)])).toEqual([
      ['seed', 'DATA_TYPE_FLOAT64', [3]],
      ['stages.0.global.amount', 'DATA_TYPE_FLOAT64', [0.2, 0.4, 0.6, 0.8]],
      ['stages.0.finetune.learning_rate', 'DATA_TYPE_FLOAT64', [0.001, 0.01]],
    ]);
    expect(experiment.experiment.metric_infos.map((m) => m.name.tag)).toEqual(['accuracy/test', 'loss/test', 'sparsity/global']);
    const html = await readFile(path.join(whole, 'runs', 'sweep-sweep', 'sweep.html'), 'utf8');
    for (const chart of ['pareto-sparsity', 'pareto-nonzeros', 'pareto-size']) expect(html).toContain(`data-chart="${chart}"`);
    expect(html.match(/<tr>/g)).toHaveLength(9);
  });
});

describe('a bad sweep', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await makeTempDir('prune-run-sweep-bad-');
    await setUp(cwd);
  });
  afterAll(async () => removeDir(cwd));

  it('is refused at the line of the value the recipe refuses, before any point runs', async () => {
    await writeFile(path.join(cwd, 'bad.yaml'), 'recipe: r.yaml\ngrid:\n  stages.0.global.amount: [0.5, 3]\n');
    const result = await runCli(['sweep', 'bad.yaml'], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bad\.yaml:3:33: point p02 \(stages\.0\.global\.amount=3\): stages\[0\]\.global\.amount must be /m);
    expect(await listTree(path.join(cwd, 'runs'))).toEqual([]);
  });

  it('the shipped sweep checks and lists its 8 points', async () => {
    const result = await runCli(['sweep', '--dry-run', path.resolve('recipes/sweeps/lenet-amounts.yaml')], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toHaveLength(8);
    expect(result.stdout.split('\n')[7]).toBe('p08  stages.0.global.amount=0.95 stages.0.finetune.learning_rate=0.0003');
  });

  it('lists the points of a shard with --dry-run', async () => {
    const result = await runCli(['sweep', 'sweep.yaml', '--dry-run', '--shard', '2/3'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['p03  stages.0.global.amount=0.4 stages.0.finetune.learning_rate=0.001', 'p04  stages.0.global.amount=0.4 stages.0.finetune.learning_rate=0.01', 'p05  stages.0.global.amount=0.6 stages.0.finetune.learning_rate=0.001']);
  });
});

describe('the GitHub Actions workflow', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await makeTempDir('prune-run-sweep-workflow-');
    await mkdir(path.join(cwd, 'sweeps'));
    await writeFile(path.join(cwd, 'sweeps', 'r.yaml'), RECIPE);
    await writeFile(path.join(cwd, 'sweeps', 'lenet.yaml'), SWEEP);
  });
  afterAll(async () => removeDir(cwd));

  it("parses with GitHub's workflow parser: shard matrix, cache, artifacts, merge", async () => {
    const result = await runCli(['sweep', '--github-workflow', '--shards', '3', 'sweeps/lenet.yaml'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('.github/workflows/prune-run-sweep-lenet.yml');
    const content = await readFile(path.join(cwd, result.stdout), 'utf8');
    const parsed = parseWorkflow({ name: 'prune-run-sweep-lenet.yml', content }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors()).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((j) => j.id.value)).toEqual(['shard', 'merge']);

    const workflow = parseYaml(content) as {
      jobs: {
        shard: { strategy: { matrix: { shard: number[] } }; steps: { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }[] };
        merge: { needs: string; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] };
      };
    };
    const { shard, merge } = workflow.jobs;
    expect(shard.strategy.matrix.shard).toEqual([1, 2, 3]);
    const cache = shard.steps.find((s) => s.uses === 'actions/cache@v4')!;
    expect(cache.with!['path']).toBe('.cache/prune-run/stages');
    expect(cache.with!['key']).toContain("hashFiles('sweeps/lenet.yaml', 'sweeps/r.yaml', 'package-lock.json')");
    const run = shard.steps.find((s) => s.run?.startsWith('npx prune-run sweep'))!;
    expect(run.run).toBe('npx prune-run sweep sweeps/lenet.yaml --runs-dir sweep-runs');
    expect(run.env).toEqual({ PRUNE_RUN_SHARD: '${{ matrix.shard }}/${{ strategy.job-total }}' });
    expect(shard.steps.some((s) => s.uses === 'actions/upload-artifact@v4')).toBe(true);
    expect(merge.needs).toBe('shard');
    expect(merge.steps.find((s) => s.uses === 'actions/download-artifact@v4')!.with).toMatchObject({ pattern: 'lenet-runs-*', 'merge-multiple': true });
    expect(merge.steps.some((s) => s.run === 'npx prune-run sweep merge --name lenet --out sweep-report sweep-runs/*/')).toBe(true);
  });
});
