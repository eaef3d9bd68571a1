/**
 * The task executor on a real plan (a small recipe compiled as the CLI compiles it) with the engine
 * replaced by a counting stand-in, so what is asserted is the executor's own logic: plan order,
 * which tasks are executed and which a checkpoint stands for, the state a reused task hands on,
 * and what a failed or interrupted task leaves for resume.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TaskKeys } from '../../src/cache/keys.js';
import type { SessionState } from '../../src/engine/sessionState.js';
import { CheckpointStore } from '../../src/cache/store.js';
import type { BackendInfo } from '../../src/engine/backend/select.js';
import type { TaskHooks } from '../../src/engine/session.js';
import { PruneRunError } from '../../src/errors.js';
import type { LoadDataTask, LoadModelTask, PlanTask } from '../../src/plan/types.js';
import { hostname } from 'node:os';
import { writeFile, mkdir } from 'node:fs/promises';
import { MetricsLog } from '../../src/runner/metricsLog.js';
import { EventsFile } from '../../src/runs/tensorboard/eventsFile.js';
import { prepareRun, type PreparedRun } from '../../src/runner/prepare.js';
import { RunRecordBuilder } from '../../src/runner/runRecordBuilder.js';
import { isCacheable, TaskCache } from '../../src/runner/taskCache.js';
import { TaskExecutor, type TaskSteps } from '../../src/runner/taskExecutor.js';
import { METRICS_FILE } from '../../src/runs/metrics.js';
import { RunDirectory } from '../../src/runs/runDirectory.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';

const RECIPE = `seed: 5
model: {builtin: lenet}
data: {builtin: mnist, train_size: 64, test_size: 32}
train: {epochs: 1, batch_size: 32}
stages:
  - name: s
    global:
      method: l1_unstructured
      amount: 0.3
      select: [{layer_type: dense, param: kernel}]
    finetune: {epochs: 1}
`;

const BACKEND: BackendInfo = { name: 'cpu', tfjsVersion: '0', backendPackage: 'test', backendVersion: '0', simd: null, notes: [] };

/**
 * The engine's stand-in: its whole state is one number, which every train and prune task changes
 * (differently, so an order mistake shows) and every evaluation records. It can fail, or stop when
 * its signal is aborted, at a chosen task.
 */
class CountingSteps implements TaskSteps {
  readonly executed: string[] = [];
  readonly restored: number[] = [];
  value = Number.NaN;

  constructor(
    private readonly records: RunRecordBuilder,
    private readonly metrics: MetricsLog,
    private readonly failAt: string | null = null,
    /** How long a training task takes, so that runs sharing a cache overlap in it. */
    private readonly trainMs = 0,
  ) {}

  async execute(task: PlanTask, hooks: TaskHooks): Promise<string> {
    this.executed.push(task.id);
    if (task.kind === 'train' && this.trainMs > 0) await new Promise((resolve) => setTimeout(resolve, this.trainMs));
    if (task.id === this.failAt) throw new Error(`${task.id} broke`);
    hooks.signal?.throwIfAborted();
    if (task.kind === 'load-model') this.value = 1;
    if (task.kind === 'train' || task.kind === 'prune') this.value = this.value * 3 + task.id.length;
    if (task.kind === 'evaluate') {
      this.records.addEvaluation(task, { loss: 1 / this.value, accuracy: this.value, count: 32, imagesPerSecond: 1 });
      await this.metrics.write({ stage: task.point, phase: 'evaluate', loss: 1 / this.value, accuracy: this.value, sparsity: 0 });
    }
    return `value ${this.value}`;
  }

  captureState(): SessionState {
    return { weights: new Map([['w', { shape: [1], values: Float32Array.of(this.value) }]]), pruning: [], snapshots: new Map() };
  }

  restoreState(state: SessionState): void {
    this.value = state.weights.get('w')!.values[0]!;
    this.restored.push(this.value);
  }

  inputsOf(task: LoadDataTask | LoadModelTask): Promise<unknown> {
    return Promise.resolve({ read: task.kind });
  }
}

let cwd: string;
let prepared: PreparedRun;
let tasks: readonly PlanTask[];

beforeAll(async () => {
  const dir = await makeTempDir('prune-run-executor-recipe-');
  try {
    prepared = await prepareRun(await writeRecipe(dir, 'r.yaml', RECIPE), { cwd: dir });
  } finally {
    await removeDir(dir);
  }
  tasks = prepared.plan.tasks;
});

beforeEach(async () => {
  cwd = await makeTempDir('prune-run-executor-');
});
afterEach(async () => {
  await removeDir(cwd);
});

interface Setup {
  readonly executor: TaskExecutor;
  readonly steps: CountingSteps;
  readonly records: RunRecordBuilder;
  readonly dir: RunDirectory;
  readonly cache: TaskCache;
}

/** One run's executor; `shared`: the stage cache's folder (null: none); `dir`: an existing run folder (a resume). */
async function executorFor(options: { shared?: string | null; dir?: RunDirectory; failAt?: string; trainMs?: number } = {}): Promise<Setup> {
  const dir = options.dir ?? (await RunDirectory.create(path.join(cwd, 'runs'), prepared.recipe.hash));
  const shared = options.shared ?? null;
  const cache = new TaskCache(new CheckpointStore(dir.path('checkpoints')), shared === null ? null : new CheckpointStore(shared));
  const records = new RunRecordBuilder(dir.id, prepared, BACKEND);
  const metrics = new MetricsLog(dir, new EventsFile(dir, new Date()));
  const steps = new CountingSteps(records, metrics, options.failAt ?? null, options.trainMs ?? 0);
  const executor = new TaskExecutor(tasks, new TaskKeys({ engine: 'counting' }), cache, records, metrics, steps);
  return { executor, steps, records, dir, cache };
}

async function runAll(executor: TaskExecutor, signal?: AbortSignal): Promise<void> {
  for (const task of tasks) await executor.runTask(task, signal === undefined ? {} : { signal });
}

const ids = (list: readonly PlanTask[]) => list.map((t) => t.id);
const metricsOf = async (dir: RunDirectory) => readFile(dir.path(METRICS_FILE), 'utf8');

describe('the task executor', () => {
  it('executes every task once, in plan order, and refuses a task out of order', async () => {
    // The plan has every kind of task, so the rest of this file covers each of them.
    expect(new Set(tasks.map((t) => t.kind))).toEqual(new Set(['load-model', 'load-data', 'train', 'evaluate', 'prune', 'export', 'report']));
    const { executor, steps } = await executorFor();
    await runAll(executor);
    expect(steps.executed).toEqual(ids(tasks));
    expect(executor.completedTasks).toEqual(ids(tasks));
    expect(executor.reused).toEqual([]);
    expect(executor.currentTask).toBeNull();

    const fresh = await executorFor();
    await expect(fresh.executor.runTask(tasks[2]!)).rejects.toThrow(`task ${tasks[2]!.id} run out of plan order (next in the plan: ${tasks[0]!.id})`);
    await fresh.executor.runTask(tasks[0]!);
    await expect(fresh.executor.runTask(tasks[0]!)).rejects.toThrow(/out of plan order/);
    expect(fresh.steps.executed).toEqual([tasks[0]!.id]);
  });

  it('does not execute a task the stage cache holds: the checkpoint stands for it, with its record, metrics and state', async () => {
    const shared = path.join(cwd, 'cache');
    const first = await executorFor({ shared });
    await runAll(first.executor);

    const second = await executorFor({ shared });
    await runAll(second.executor);
    const computing = tasks.filter(isCacheable);
    expect(computing.length).toBeGreaterThan(3);
    // Loading is redone, export and report always run; nothing that computes runs again.
    expect(second.steps.executed).toEqual(ids(tasks.filter((t) => !isCacheable(t))));
    expect(second.executor.reused.map((r) => [r.taskId, r.from])).toEqual(computing.map((t) => [t.id, 'cache']));
    expect(second.records.record.reused).toEqual(computing.map((t) => ({ taskId: t.id, from: 'cache' })));
    expect(second.records.record.evaluations).toEqual(first.records.record.evaluations);
    expect(await metricsOf(second.dir)).toBe(await metricsOf(first.dir));
    // The last reused task before the export is an evaluation, which changes no state: the state
    // put into the session (once, for the export) is the one the fine-tuning before it left.
    expect(tasks[tasks.findIndex((t) => t.kind === 'export') - 1]!.kind).toBe('evaluate');
    expect(second.steps.restored).toEqual([first.steps.value]);
    expect(second.steps.value).toBe(first.steps.value);
  });

  it('a failed task leaves no checkpoint and stays current; a resume reuses the tasks before it and ends as an unbroken run', async () => {
    const prune = tasks.find((t) => t.kind === 'prune')!;
    const broken = await executorFor({ failAt: prune.id });
    await expect(runAll(broken.executor)).rejects.toThrow(`${prune.id} broke`);
    expect(broken.executor.currentTask).toBe(prune.id);
    const before = tasks.slice(0, tasks.indexOf(prune));
    expect(broken.executor.completedTasks).toEqual(ids(before));

    const resumed = await executorFor({ dir: broken.dir });
    await runAll(resumed.executor);
    expect(resumed.executor.reused.map((r) => [r.taskId, r.from])).toEqual(before.filter(isCacheable).map((t) => [t.id, 'checkpoint']));
    expect(resumed.steps.executed).toEqual(ids(tasks.filter((t, i) => !isCacheable(t) || i >= tasks.indexOf(prune))));

    const unbroken = await executorFor();
    await runAll(unbroken.executor);
    expect(resumed.steps.value).toBe(unbroken.steps.value);
    expect(resumed.records.record.evaluations).toEqual(unbroken.records.record.evaluations);
  });

  it('an interruption stops in the task that sees it, with the signal\'s reason, and saves no checkpoint for it', async () => {
    const abort = new AbortController();
    const { executor, dir } = await executorFor();
    const stopAt = tasks.findIndex((t, i) => i > 0 && t.kind === 'train' && tasks.slice(0, i).some(isCacheable));
    for (const task of tasks.slice(0, stopAt)) await executor.runTask(task, { signal: abort.signal });
    abort.abort(new PruneRunError('INTERRUPTED', 'interrupted by the user'));
    await expect(executor.runTask(tasks[stopAt]!, { signal: abort.signal })).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(executor.currentTask).toBe(tasks[stopAt]!.id);
    expect(executor.completedTasks).toEqual(ids(tasks.slice(0, stopAt)));

    const resumed = await executorFor({ dir });
    await runAll(resumed.executor);
    expect(resumed.executor.reused.map((r) => r.taskId)).toEqual(ids(tasks.slice(0, stopAt).filter(isCacheable)));
    expect(resumed.steps.executed).toContain(tasks[stopAt]!.id);
  });

  it('runs sharing a stage cache compute each task once: one that misses a key another is computing waits for its entry', async () => {
    const shared = path.join(cwd, 'cache');
    const runs = await Promise.all([executorFor({ shared, trainMs: 300 }), executorFor({ shared, trainMs: 300 }), executorFor({ shared, trainMs: 300 })]);
    await Promise.all(runs.map((r) => runAll(r.executor)));
    const computing = ids(tasks.filter(isCacheable));
    const executed = runs.flatMap((r) => r.steps.executed.filter((id) => computing.includes(id)));
    expect(executed.sort()).toEqual([...computing].sort());
    // Every run ends with the same state and the same metrics, whoever computed what.
    expect(new Set(runs.map((r) => r.steps.value)).size).toBe(1);
    expect(new Set(await Promise.all(runs.map((r) => metricsOf(r.dir)))).size).toBe(1);
    expect(runs.flatMap((r) => r.cache.problems).filter((p) => /^waited for another run computing train \(key [0-9a-f]{12}\)/.test(p))).toHaveLength(2);
  });

  it('takes over a claim whose holder is gone', async () => {
    const shared = path.join(cwd, 'cache');
    const first = await executorFor();
    await runAll(first.executor);
    // A claim on every key, left by a process of this host that has ended (pid beyond any pid_max).
    const train = tasks.find((t) => t.kind === 'train')!;
    const keys = new TaskKeys({ engine: 'counting' });
    await mkdir(shared, { recursive: true });
    for (const task of tasks) {
      const key = keys.keyOf(task, task.kind === 'load-data' || task.kind === 'load-model' ? { read: task.kind } : null);
      await writeFile(path.join(shared, `${key}.lock`), JSON.stringify({ pid: 2 ** 30, host: hostname(), taskId: task.id }));
    }
    const second = await executorFor({ shared });
    await runAll(second.executor);
    expect(second.steps.executed).toContain(train.id);
    expect(second.steps.value).toBe(first.steps.value);
  });
});
