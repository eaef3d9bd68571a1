/**
 * One run of a prepared recipe, from its start to its end: creates (or reopens, for resume) the
 * run folder and the engine session, puts the run's parts together — the task executor, the
 * record builder, the manifest writer — and closes the folder. The folder stays `<id>.partial`
 * until finish('succeeded').
 */
import { selectBackend, type BackendInfo } from '../engine/backend/select.js';
import type { BackendRequest } from '../engine/backend/request.js';
import type { ShardingOptions } from '../engine/parallel/shardedGradients.js';
import { EngineSession, type TaskHooks } from '../engine/session.js';
import { defaultSharding } from '../engine/train.js';
import type { PlanTask } from '../plan/types.js';
import { rm } from 'node:fs/promises';
import { TaskKeys } from '../cache/keys.js';
import { CheckpointStore } from '../cache/store.js';
import { METRICS_FILE } from '../runs/metrics.js';
import { EventsFile, TB_DIR } from '../runs/tensorboard/eventsFile.js';
import type { HParams } from '../runs/tensorboard/hparams.js';
import type { RunRecord } from '../runs/record.js';
import { RunDirectory } from '../runs/runDirectory.js';
import type { RunStatus } from '../runs/runStatus.js';
import { MetricsLog } from './metricsLog.js';
import type { PreparedRun } from './prepare.js';
import { engineIdentity, RunContext } from './runContext.js';
import { RunManifestWriter, type RunHistory } from './runManifest.js';
import { RunRecordBuilder } from './runRecordBuilder.js';
import { DEFAULT_CACHE_MAX_MB, TaskCache, type ReusedTask } from './taskCache.js';
import { TaskExecutor } from './taskExecutor.js';
import { SessionTaskSteps } from './taskSteps.js';

export interface RunOptions {
  readonly runsDir: string;
  readonly backend: BackendRequest;
  /** Training threads on wasm (null: one per core, at most GRADIENT_SHARDS). */
  readonly threads?: number | null;
  /** The shared stage cache's folder; null: no cache (--no-cache). Default: none. */
  readonly cacheDir?: string | null;
  /** The most the shared stage cache may hold, in MB (default DEFAULT_CACHE_MAX_MB). */
  readonly cacheMaxMB?: number | null;
}

/** The run's own task checkpoints, inside its folder while it is partial (prune-run resume reads them). */
export const CHECKPOINTS_DIR = 'checkpoints';

/**
 * The resolved recipe without its text (that is recipe.yaml) and without source positions, and
 * beside it the --set overrides that were applied to the text before resolving (in order).
 */
function resolvedForDisk(prepared: PreparedRun): unknown {
  const resolved: unknown = JSON.parse(JSON.stringify(prepared.recipe, (key, value: unknown) => (key === 'at' || key === 'text' ? undefined : value)));
  return { ...(resolved as Record<string, unknown>), overrides: prepared.overrides.map((o) => o.toRecord()) };
}

/** A run's hyperparameters for TensorBoard's HParams dashboard: its seed and each --set value by path (the last one of a path wins, as in the recipe). */
export function hparamsOf(prepared: PreparedRun): HParams {
  return new Map<string, unknown>([['seed', prepared.recipe.seed], ...prepared.overrides.map((o): [string, unknown] => {
    const { path, value } = o.toRecord();
    return [path, value];
  })]);
}

export class RecipeRun {
  private readonly events: EventsFile;
  private readonly session: EngineSession;
  private readonly cache: TaskCache;
  private readonly records: RunRecordBuilder;
  private readonly executor: TaskExecutor;
  private readonly manifest: RunManifestWriter;

  private constructor(
    readonly prepared: PreparedRun,
    readonly dir: RunDirectory,
    readonly backend: BackendInfo,
    /** How training runs (train.ts's defaultSharding); null: TF.js's own loop. */
    readonly sharding: ShardingOptions | null,
    options: RunOptions,
    history: RunHistory = { startedAt: new Date(), resumes: [] },
  ) {
    this.session = new EngineSession({ sharding });
    const run = new RunContext(prepared, dir, backend, sharding, this.session);
    const keys = new TaskKeys(engineIdentity(backend, sharding));
    const sharedDir = options.cacheDir ?? null;
    this.cache = new TaskCache(
      new CheckpointStore(dir.path(CHECKPOINTS_DIR)),
      sharedDir === null ? null : new CheckpointStore(sharedDir),
      (options.cacheMaxMB ?? DEFAULT_CACHE_MAX_MB) * 1024 * 1024,
    );
    this.records = new RunRecordBuilder(dir.id, prepared, backend);
    this.events = new EventsFile(dir, new Date());
    const metrics = new MetricsLog(dir, this.events);
    this.executor = new TaskExecutor(prepared.plan.tasks, keys, this.cache, this.records, metrics, new SessionTaskSteps(run, this.records, metrics));
    this.manifest = new RunManifestWriter(run, history, this.cache, this.records.record, this.executor);
  }

  /** Selects the backend first: a machine that cannot run the recipe leaves no run folder. */
  static async start(prepared: PreparedRun, options: RunOptions): Promise<RecipeRun> {
    const backend = await selectBackend(options.backend);
    const dir = await RunDirectory.create(options.runsDir, prepared.recipe.hash);
    const run = new RecipeRun(prepared, dir, backend, defaultSharding(options.threads ?? undefined), options);
    await dir.writeText('recipe.yaml', prepared.recipe.text);
    await dir.writeJson('resolved.json', resolvedForDisk(prepared));
    await dir.writeJson('plan.json', prepared.plan);
    await run.events.start(hparamsOf(prepared), new Date());
    await run.manifest.write('running', null);
    return run;
  }

  /**
   * Reopens an interrupted or failed run to finish it (prune-run resume): the same plan, on the
   * same backend, with every task its checkpoints cover reused and the rest executed, so it ends
   * as an uninterrupted run would. metrics.jsonl is written again from the checkpoints, dropping
   * the lines of the task that was cut short — except a training task's, which goes on from its
   * last finished epoch (its epoch checkpoint) with that epoch's lines.
   */
  static async resume(
    prepared: PreparedRun,
    dir: RunDirectory,
    options: RunOptions & { readonly startedAt: Date; readonly resumes: readonly { at: string; from: string | null }[]; readonly stoppedIn: string | null },
  ): Promise<RecipeRun> {
    const backend = await selectBackend(options.backend);
    const resumes = [...options.resumes, { at: new Date().toISOString(), from: options.stoppedIn }];
    const run = new RecipeRun(prepared, dir, backend, defaultSharding(options.threads ?? undefined), options, { startedAt: options.startedAt, resumes });
    await dir.writeText(METRICS_FILE, '');
    // The event file is written anew from the same lines as metrics.jsonl; the earlier try's would repeat them.
    await rm(dir.path(TB_DIR), { recursive: true, force: true });
    await run.events.start(hparamsOf(prepared), new Date());
    await run.manifest.write('running', null);
    return run;
  }

  get record(): RunRecord {
    return this.records.record;
  }

  /** Tasks that were not executed because a checkpoint stood for them. */
  get reused(): readonly ReusedTask[] {
    return this.executor.reused;
  }

  /** Stage cache entries found but not trusted (a hash that does not match), for the output. */
  get cacheProblems(): readonly string[] {
    return this.cache.problems;
  }

  /** The next task of the plan, executed or reused (TaskExecutor.runTask); returns its one-line summary. */
  runTask(task: PlanTask, hooks: TaskHooks = {}): Promise<string> {
    return this.executor.runTask(task, hooks);
  }

  /** Writes the final manifest and renames the folder when the run succeeded. */
  async finish(status: RunStatus, error: unknown = null): Promise<string> {
    try {
      // A finished run needs no checkpoints (the stage cache keeps its own); a partial one keeps them for resume.
      if (status === 'succeeded') await this.cache.own.remove();
      await this.cache.trim();
      await this.events.end(status, new Date());
      await this.manifest.write(status, error);
      return await this.dir.finish(status);
    } finally {
      await this.session.dispose();
    }
  }
}
