/**
 * One run of a prepared recipe: owns the run folder and the engine session, executes plan tasks
 * one at a time (the CLI drives them, so progress can be shown per task), records what each did
 * in metrics.jsonl and the RunRecord, and writes the outputs. The folder stays `<id>.partial`
 * until finish('succeeded').
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { prune } from '../api/index.js';
import { selectBackend, type BackendInfo, type BackendRequest } from '../engine/backend/select.js';
import type { ShardingOptions } from '../engine/parallel/shardedGradients.js';
import { EngineSession, type TaskHooks } from '../engine/session.js';
import { defaultSharding, GRADIENT_SHARDS } from '../engine/train.js';
import { denseSize, exportCompact } from '../export/compactExport.js';
import { saveModel as saveLayersModel, serializeModel } from '../engine/modelFiles.js';
import { saveSparseModel } from '../export/sparse/index.js';
import { allParameters } from '../models/description.js';
import { summarizePruneTask } from '../plan/format.js';
import { summarizeScheduled } from '../plan/formatSchedule.js';
import { stageLabel } from '../plan/taskIds.js';
import type { ExportTask, PlanTask } from '../plan/types.js';
import { sparsityOf } from '../prune/index.js';
import { gitInfo, nodeInfo, packageVersions } from '../runs/manifest.js';
import { determinismOf, RANDOM_TRAINING_LAYERS } from '../runs/determinism.js';
import { checkExpectations, failedExpectations } from '../runs/expectations.js';
import type { RunRecord, SparsityFigures } from '../runs/record.js';
import { renderReport } from '../runs/report.js';
import { readRunMetrics, renderHtmlReport } from '../runs/html/index.js';
import { RunDirectory } from '../runs/runDirectory.js';
import { exitReasonOf } from '../runs/summary.js';
import { encodeSafetensors } from '../formats/safetensors.js';
import { sha256Hex } from '../util/sha256.js';
import { PRUNE_RUN_VERSION } from '../version.js';
import type { PreparedRun } from './prepare.js';
import { codeIdentity } from '../cache/codeIdentity.js';
import { modelIdentity } from '../cache/identity.js';
import { TaskKeys } from '../cache/keys.js';
import type { RecordDelta, TaskCheckpoint } from '../cache/state.js';
import type { SessionState } from '../engine/sessionState.js';
import { CheckpointStore } from '../cache/store.js';
import { formatMetricsLine, METRICS_FILE, type MetricsEntry } from '../runs/metrics.js';
import { DEFAULT_CACHE_MAX_MB, isCacheable, TaskCache, type ReusedTask } from './taskCache.js';

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

function cacheOf(options: RunOptions): { dir: string | null; maxMB: number | null } {
  return { dir: options.cacheDir ?? null, maxMB: options.cacheMaxMB ?? null };
}

/** The state of a task that changes none (an evaluation). */
const NO_STATE: SessionState = { weights: new Map(), pruning: [], snapshots: new Map() };

/** The run's own task checkpoints, inside its folder while it is partial (prune-run resume reads them). */
export const CHECKPOINTS_DIR = 'checkpoints';

export type RunStatus = 'succeeded' | 'failed' | 'interrupted';

/** The packages whose versions decide a run's numbers; recorded in every manifest. */
const RUNTIME_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  'yaml',
  'ajv',
  'mnist',
  'cosmiconfig',
  'listr2',
  // Not a dependency, but it compiles .ts plugin modules (method: custom) when installed.
  'typescript',
];

/**
 * The resolved recipe without its text (that is recipe.yaml) and without source positions, and
 * beside it the --set overrides that were applied to the text before resolving (in order).
 */
function resolvedForDisk(prepared: PreparedRun): unknown {
  const resolved: unknown = JSON.parse(JSON.stringify(prepared.recipe, (key, value: unknown) => (key === 'at' || key === 'text' ? undefined : value)));
  return { ...(resolved as Record<string, unknown>), overrides: prepared.overrides.map((o) => o.toRecord()) };
}

/** How training steps run, for the manifest: the shards decide the numbers, the threads only the speed. */
function trainingLoopOf(sharding: ShardingOptions | null): Record<string, unknown> {
  return sharding === null
    ? { loop: 'tfjs', optimizer: 'tf.train (TF.js)' }
    : { loop: 'sharded', gradientShards: sharding.shards, threads: sharding.threads, optimizer: 'flat (prune-run)', shardsFixedAt: GRADIENT_SHARDS };
}

/**
 * The stage a metrics line belongs to, with its cycle for a repeated stage (imp#2), read from the
 * task id (prune:imp#2, finetune:imp#2, evaluate:imp#2:pruned); null outside stages.
 */
function metricsStage(task: PlanTask): string | null {
  return task.stage === null ? null : stageLabel(task.id);
}

const figures = (s: SparsityFigures): SparsityFigures => ({ count: s.count, zeros: s.zeros, sparsity: s.sparsity });

export class RecipeRun {
  private readonly session: EngineSession;
  private readonly startedAt: Date;
  private readonly keys: TaskKeys;
  private readonly cache: TaskCache;
  /** A reused task's state, put into the session only when a task that needs it is executed. */
  private pending: TaskCheckpoint | null = null;
  /** The metrics lines the task being executed has written (for its checkpoint). */
  private taskLines: Record<string, unknown>[] = [];
  /** Tasks that were not executed because a checkpoint stood for them. */
  readonly reused: ReusedTask[] = [];
  /** When this run was resumed, and from which task on. */
  private readonly resumes: { at: string; from: string | null }[];
  /** Where the run is, for a manifest that says where a failed or interrupted run stopped. */
  private readonly completedTasks: string[] = [];
  private currentTask: string | null = null;
  readonly record: RunRecord;

  private constructor(
    readonly prepared: PreparedRun,
    readonly dir: RunDirectory,
    readonly backend: BackendInfo,
    /** How training runs (train.ts's defaultSharding); null: TF.js's own loop. */
    readonly sharding: ShardingOptions | null,
    cache: { dir: string | null; maxMB: number | null },
    history: { startedAt: Date; resumes: { at: string; from: string | null }[] } = { startedAt: new Date(), resumes: [] },
  ) {
    this.session = new EngineSession({ sharding });
    this.startedAt = history.startedAt;
    this.resumes = history.resumes;
    // What of the engine decides the numbers; the thread count does not (train.ts).
    const { threads: _threads, ...loop } = trainingLoopOf(sharding);
    this.keys = new TaskKeys({ pruneRun: PRUNE_RUN_VERSION, code: codeIdentity(), backend: [backend.name, backend.backendPackage, backend.backendVersion], loop });
    this.cache = new TaskCache(
      new CheckpointStore(dir.path(CHECKPOINTS_DIR)),
      cache.dir === null ? null : new CheckpointStore(cache.dir),
      (cache.maxMB ?? DEFAULT_CACHE_MAX_MB) * 1024 * 1024,
    );
    this.record = {
      runId: dir.id,
      recipeFile: prepared.recipePath,
      recipeHash: prepared.recipe.hash,
      seed: prepared.recipe.seed,
      backend: `${backend.name} (${backend.backendPackage} ${backend.backendVersion})`,
      training: [],
      pruning: [],
      evaluations: [],
      parameters: [],
      globalPruned: null,
      globalModel: null,
    };
  }

  /** Selects the backend first: a machine that cannot run the recipe leaves no run folder. */
  static async start(prepared: PreparedRun, options: RunOptions): Promise<RecipeRun> {
    const backend = await selectBackend(options.backend);
    const dir = await RunDirectory.create(options.runsDir, prepared.recipe.hash);
    const run = new RecipeRun(prepared, dir, backend, defaultSharding(options.threads ?? undefined), cacheOf(options));
    await dir.writeText('recipe.yaml', prepared.recipe.text);
    await dir.writeJson('resolved.json', resolvedForDisk(prepared));
    await dir.writeJson('plan.json', prepared.plan);
    await run.writeManifest('running', null);
    return run;
  }

  /** Read once, at the first manifest (before the run starts), so the manifest pins the files the run read. */
  private modelFilesRead: Promise<unknown> | null = null;
  private resolvedRead: Promise<string> | null = null;
  private gitRead: ReturnType<typeof gitInfo> | null = null;

  /**
   * The recipe's repository as the run found it: read at the first manifest, so the run's own
   * outputs cannot make it look dirty later; the runs folder and the stage cache do not count.
   */
  private gitAtStart(): ReturnType<typeof gitInfo> {
    const exclude = [path.dirname(this.dir.dir), ...(this.cache.shared === null ? [] : [this.cache.shared.dir])];
    this.gitRead ??= gitInfo(path.dirname(this.prepared.recipe.file), { exclude });
    return this.gitRead;
  }

  private modelFiles(): Promise<unknown> {
    const source = this.prepared.recipe.model;
    const named = source.kind === 'builtin' ? { builtin: source.name } : { path: path.relative(path.dirname(this.prepared.recipe.file), source.path) };
    // A file that cannot be read is load-model's failure to report (with its own error); the
    // manifest written before it must not fail the start instead, so it says what it could not read.
    this.modelFilesRead ??= modelIdentity(source).then(
      (identity) => ({ ...named, ...(identity as Record<string, unknown>) }),
      (error: unknown) => ({ ...named, unreadable: exitReasonOf(error) }),
    );
    return this.modelFilesRead;
  }

  private resolvedSha256(): Promise<string> {
    this.resolvedRead ??= readFile(this.dir.path('resolved.json')).then((bytes) => sha256Hex(bytes));
    return this.resolvedRead;
  }

  /**
   * `expectations`: none (the recipe sets no gates), not checked (the run stopped before its
   * report), passed or failed, with each result. A failed gate leaves status succeeded: the run worked.
   */
  private expectationsForManifest(): { expectations: 'none' | 'not checked' | 'passed' | 'failed'; expectationResults: unknown[] } {
    const results = this.record.expectations;
    if (this.prepared.recipe.expect.length === 0) return { expectations: 'none', expectationResults: [] };
    if (results === undefined) return { expectations: 'not checked', expectationResults: [] };
    return { expectations: failedExpectations(results).length > 0 ? 'failed' : 'passed', expectationResults: results };
  }

  /**
   * Reopens an interrupted or failed run to finish it (prune-run resume): the same plan, on the
   * same backend, with every task its checkpoints cover reused and the rest executed, so it ends
   * as an uninterrupted run would. metrics.jsonl is written again from the checkpoints, dropping
   * the lines of the task that was cut short.
   */
  static async resume(
    prepared: PreparedRun,
    dir: RunDirectory,
    options: RunOptions & { readonly startedAt: Date; readonly resumes: readonly { at: string; from: string | null }[]; readonly stoppedIn: string | null },
  ): Promise<RecipeRun> {
    const backend = await selectBackend(options.backend);
    const resumes = [...options.resumes, { at: new Date().toISOString(), from: options.stoppedIn }];
    const run = new RecipeRun(prepared, dir, backend, defaultSharding(options.threads ?? undefined), cacheOf(options), { startedAt: options.startedAt, resumes });
    await dir.writeText(METRICS_FILE, '');
    await run.writeManifest('running', null);
    return run;
  }

  private async writeManifest(status: RunStatus | 'running', error: unknown): Promise<void> {
    // The gradient pass is known once model and data are loaded; it follows from them and the code.
    const gradient = this.session.gradientPass();
    await this.dir.writeJson('manifest.json', {
      runId: this.dir.id,
      status,
      exitReason: exitReasonOf(error),
      // sha256 is the recipe's identity (the run id's hash): of the text, and of the --set
      // overrides when there are any; textSha256 is recipe.yaml's alone.
      recipe: {
        file: this.prepared.recipePath,
        sha256: this.prepared.recipe.hash,
        textSha256: sha256Hex(this.prepared.recipe.text),
        overrides: this.prepared.overrides.map((o) => o.toRecord()),
      },
      seed: this.prepared.recipe.seed,
      pruneRun: PRUNE_RUN_VERSION,
      backend: this.backend,
      training: { ...trainingLoopOf(this.sharding), ...(gradient === null ? {} : { gradient }) },
      node: nodeInfo(),
      packages: packageVersions(RUNTIME_PACKAGES),
      git: await this.gitAtStart(),
      data: this.session.loadedData?.identity ?? null,
      // The model's source: the builtin's name (its weights come from the seed), or model.json and its weight files by sha256.
      model: await this.modelFiles(),
      // resolved.json beside this file, pinned by its hash rather than copied in: one copy cannot disagree with itself.
      resolved: { file: 'resolved.json', sha256: await this.resolvedSha256() },
      determinism: determinismOf(this.backend.name, this.sharding?.shards ?? null, this.randomTrainingLayers()),
      ...this.expectationsForManifest(),
      // The plugin modules whose code ran (method: custom): file, sha256, name, kind.
      plugins: this.prepared.plugins,
      // Who is writing the folder: resume refuses a run whose process is still alive.
      process: { pid: process.pid, host: hostname() },
      completedTasks: this.completedTasks,
      // Tasks a checkpoint stood for (the stage cache, or this run's own before a resume).
      reusedTasks: this.reused,
      cache: { dir: this.cache.shared?.dir ?? null, problems: this.cache.problems },
      resumes: this.resumes,
      stoppedInTask: status === 'succeeded' ? null : this.currentTask,
      startedAt: this.startedAt.toISOString(),
      endedAt: status === 'running' ? null : new Date().toISOString(),
    });
  }

  /**
   * Runs one task, or reuses the checkpoint its key has; returns a one-line summary for progress
   * output. Every task executed that computes (isCacheable) leaves a checkpoint.
   */
  async runTask(task: PlanTask, hooks: TaskHooks = {}): Promise<string> {
    this.currentTask = task.id;
    let summary: string;
    if (isCacheable(task)) {
      const key = this.keys.keyOf(task);
      const hit = await this.cache.lookup(key);
      if (hit !== null) {
        summary = await this.reuse(task, hit.checkpoint, hit.from);
      } else {
        const before = { training: this.record.training.length, pruning: this.record.pruning.length, evaluations: this.record.evaluations.length };
        summary = await this.executeWithState(task, hooks);
        const record: RecordDelta = {
          training: this.record.training.slice(before.training),
          pruning: this.record.pruning.slice(before.pruning),
          evaluations: this.record.evaluations.slice(before.evaluations),
        };
        // An evaluation changes no state: its checkpoint holds only what it recorded (see reuse).
        const state = task.kind === 'evaluate' ? NO_STATE : this.session.captureState();
        await this.cache.save({ taskId: task.id, key, state, record, metrics: this.taskLines });
      }
    } else {
      summary = await this.executeWithState(task, hooks);
      // Roots are keyed by what they read; export and report feed no other task.
      if (task.kind === 'load-data') this.keys.keyOf(task, this.session.loadedData?.identity ?? null);
      if (task.kind === 'load-model') this.keys.keyOf(task, await this.modelFiles());
    }
    this.completedTasks.push(task.id);
    this.currentTask = null;
    return summary;
  }

  /** Executes a task on the state the tasks before it left (a reused task's, restored first). */
  private async executeWithState(task: PlanTask, hooks: TaskHooks): Promise<string> {
    if (this.pending !== null && task.kind !== 'load-data') {
      this.session.restoreState(this.pending.state);
      this.pending = null;
    }
    this.taskLines = [];
    return this.execute(task, hooks);
  }

  /** A checkpoint stands for the task: its record entries and metrics lines as it wrote them, its state for later. */
  private async reuse(task: PlanTask, checkpoint: TaskCheckpoint, from: ReusedTask['from']): Promise<string> {
    // The cache's entries are our own, hash-checked: the same JSON the executed task produced.
    this.record.training.push(...(checkpoint.record.training as RunRecord['training']));
    this.record.pruning.push(...(checkpoint.record.pruning as RunRecord['pruning']));
    this.record.evaluations.push(...(checkpoint.record.evaluations as RunRecord['evaluations']));
    for (const line of checkpoint.metrics) await this.dir.appendJsonLine(METRICS_FILE, line);
    if (from === 'cache') await this.cache.own.write(checkpoint); // so a resume of this run needs no cache
    // An evaluation leaves the state its dependency left: the pending one (a reused predecessor)
    // or, when that was executed, the session's own. Only state-changing tasks replace it.
    if (task.kind !== 'evaluate') this.pending = checkpoint;
    this.reused.push({ taskId: task.id, key: checkpoint.key, from });
    this.record.reused = [...(this.record.reused ?? []), { taskId: task.id, from }];
    return `reused from the ${from === 'cache' ? 'stage cache' : "run's checkpoint"} (key ${checkpoint.key.slice(0, 12)})`;
  }

  /**
   * The layers that draw their own random numbers in training, if the plan trains at all. The
   * direct pass draws Dropout's masks from the run's batch order instead (direct/shard.ts).
   */
  private randomTrainingLayers(): string[] {
    if (!this.prepared.plan.tasks.some((t) => t.kind === 'train')) return [];
    const seededDropout = this.session.gradientPass() === 'direct';
    return this.prepared.model.layers
      .filter((l) => RANDOM_TRAINING_LAYERS.includes(l.className) && !(seededDropout && l.className === 'Dropout'))
      .map((l) => l.name);
  }

  /** Stage cache entries found but not trusted (a hash that does not match), for the output. */
  get cacheProblems(): readonly string[] {
    return this.cache.problems;
  }

  /** Appends a metrics line and keeps it for the task's checkpoint. */
  private writeMetric(entry: MetricsEntry): Promise<void> {
    const line = formatMetricsLine(entry);
    this.taskLines.push(line);
    return this.dir.appendJsonLine(METRICS_FILE, line);
  }

  private async execute(task: PlanTask, hooks: TaskHooks): Promise<string> {
    switch (task.kind) {
      case 'load-model': {
        const model = await this.session.loadModel(task);
        return `${model.countParams()} parameters`;
      }
      case 'load-data': {
        const data = await this.session.loadData(task);
        return `${data.train.count} train / ${data.test.count} test images`;
      }
      case 'train': {
        // Each epoch's line is written when the epoch ends (the writer keeps call order), so an
        // interrupted run keeps the epochs it finished; the writes are awaited before returning.
        let sparsity = this.session.masks.globalSparsity().sparsity;
        const writes: Promise<void>[] = [];
        const stage = metricsStage(task) ?? 'train';
        const { epochs, maskUpdates } = await this.session.train(task, {
          ...hooks,
          onTrainEvent: (event) => {
            if (event.kind === 'epoch') {
              const { epoch, loss, accuracy } = event;
              writes.push(this.writeMetric({ stage, phase: task.phase, epoch, loss, accuracy, sparsity }));
            }
            hooks.onTrainEvent?.(event);
          },
          onMaskUpdate: (update) => {
            // The schedule's own parameters' sparsity; epoch lines go on with every pruned parameter's.
            writes.push(this.writeMetric({ stage, phase: 'prune', epoch: update.epoch, step: update.step, sparsity: update.sparsity }));
            sparsity = this.session.masks.globalSparsity().sparsity;
          },
        }).finally(() => Promise.all(writes));
        this.record.training.push({
          taskId: task.id,
          stage: task.stage,
          phase: task.phase,
          epochs,
          ...(maskUpdates.length === 0 ? {} : { maskUpdates: maskUpdates.map(({ step, epoch, group, target, sparsity: s, newlyPruned }) => ({ step, epoch, group, target, sparsity: s, newlyPruned })) }),
        });
        // A stage that prunes on a schedule has no prune task: its pruning is recorded here, as a stage's.
        if (task.scheduled.length > 0) {
          const masks = this.session.masks;
          const names = [...new Set(task.scheduled.flatMap((g) => g.group.parameters))];
          this.record.pruning.push({
            taskId: task.id,
            stage: task.stage ?? task.id,
            scope: task.scheduled[0]!.scope,
            description: summarizeScheduled(task),
            parameters: Object.fromEntries(names.map((name) => [name, figures(masks.sparsity(name))])),
            history: Object.fromEntries(names.map((name) => [name, [...(masks.get(name)?.history ?? [])]])),
            global: figures(masks.globalSparsity()),
            isPruned: prune.isPruned(this.session.model),
          });
        }
        const last = epochs[epochs.length - 1];
        return last === undefined ? 'no epochs' : `loss ${last.loss.toFixed(4)}, train accuracy ${(last.accuracy * 100).toFixed(2)}%`;
      }
      case 'prune': {
        const result = this.session.prune(task);
        const parameters = Object.fromEntries([...result.parameters].map(([name, s]) => [name, figures(s)]));
        this.record.pruning.push({
          taskId: task.id,
          stage: task.stage ?? task.id,
          scope: task.scope,
          description: summarizePruneTask(task),
          parameters,
          history: Object.fromEntries(result.histories),
          removed: result.removed,
          global: figures(result.global),
          isPruned: prune.isPruned(this.session.model),
        });
        await this.writeMetric({ stage: metricsStage(task) ?? task.id, phase: 'prune', sparsity: result.global.sparsity });
        return `global sparsity ${(result.global.sparsity * 100).toFixed(2)}%`;
      }
      case 'evaluate': {
        const evaluation = await this.session.evaluate(task);
        this.record.evaluations.push({ taskId: task.id, stage: task.stage, point: task.point, ...evaluation });
        await this.writeMetric({
          stage: metricsStage(task) ?? task.point,
          phase: 'evaluate',
          loss: evaluation.loss,
          accuracy: evaluation.accuracy,
          sparsity: this.session.masks.globalSparsity().sparsity,
        });
        return `accuracy ${(evaluation.accuracy * 100).toFixed(2)}%, loss ${evaluation.loss.toFixed(4)}`;
      }
      case 'export':
        return this.export(task);
      case 'report':
        // The gates and the rerun promise first: record.json, report.md and report.html all show them.
        this.record.determinism = determinismOf(this.backend.name, this.sharding?.shards ?? null, this.randomTrainingLayers());
        if (this.prepared.recipe.expect.length > 0) this.record.expectations = checkExpectations(this.prepared.recipe.expect, this.record);
        // record.json: the same facts as report.md, as data (prune-run compare and report.html read it).
        await this.dir.writeJson('record.json', this.record);
        await this.dir.writeText('report.md', renderReport(this.record));
        // report.html charts metrics.jsonl as it is on disk (every write above has finished, the
        // folder runs them in call order), so it shows exactly the lines a reader of the file sees,
        // whichever task wrote them.
        await this.dir.writeText('report.html', renderHtmlReport(this.record, await readRunMetrics(this.dir)));
        return 'report.md, record.json, report.html';
    }
  }

  private async export({ saveModel, compact, sparse }: ExportTask): Promise<string> {
    const masks = this.session.masks;
    const tensors = masks.names().map((name) => {
      const state = masks.get(name)!;
      return { name, dtype: 'U8' as const, shape: [...state.shape], data: state.mask };
    });
    await this.dir.writeBytes('masks.safetensors', encodeSafetensors(tensors, { format: 'prune-run-masks', layout: 'tfjs' }));
    this.record.parameters = allParameters(this.prepared.model).map((p) => {
      const state = masks.get(p.name);
      return {
        name: p.name,
        shape: p.shape,
        pruned: state !== undefined,
        // Untracked: never pruned, or removed (its zeros are in the weight now).
        figures: figures(state === undefined ? this.session.weightSparsity(p.name) : sparsityOf(state.mask)),
        history: state?.history ?? [],
      };
    });
    this.record.globalPruned = masks.names().length > 0 ? figures(masks.globalSparsity()) : null;
    this.record.isPruned = prune.isPruned(this.session.model);
    const total = this.record.parameters.reduce((sum, p) => sum + p.figures.count, 0);
    const zeros = this.record.parameters.reduce((sum, p) => sum + p.figures.zeros, 0);
    this.record.globalModel = { count: total, zeros, sparsity: total > 0 ? zeros / total : 0 };
    // The plain TF.js files, written or (save_model: false) only measured: every report gives the size.
    const dense = saveModel ? await saveLayersModel(this.session.model, this.dir.path('model')) : await serializeModel(this.session.model);
    this.record.size = { parameters: total, nonzeros: total - zeros, ...denseSize(dense) };
    const written = saveModel ? ['masks.safetensors', 'model/'] : ['masks.safetensors'];
    if (compact) {
      this.record.compact = await exportCompact(this.session.model, this.session.loadedData, this.dir.path('model-compact'), dense);
      const c = this.record.compact;
      written.push(`model-compact/ (${c.parametersAfter} of ${c.parametersBefore} parameters)`);
    }
    if (sparse) {
      const { bytes } = await saveSparseModel(this.session.model, this.dir.path('model-sparse'));
      this.record.sparse = { bytes, denseBytes: this.record.size.denseBytes };
      written.push(`model-sparse/ (${(bytes / 1024).toFixed(1)} KiB)`);
    }
    return written.join(', ');
  }

  /** Writes the final manifest and renames the folder when the run succeeded. */
  async finish(status: RunStatus, error: unknown = null): Promise<string> {
    try {
      // A finished run needs no checkpoints (the stage cache keeps its own); a partial one keeps them for resume.
      if (status === 'succeeded') await this.cache.own.remove();
      await this.cache.trim();
      await this.writeManifest(status, error);
      return await this.dir.finish(status);
    } finally {
      await this.session.dispose();
    }
  }
}
