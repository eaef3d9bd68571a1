/**
 * Runs a plan's tasks, in plan order, one call at a time (the CLI drives them to show progress per
 * task). A task that computes (isCacheable) and whose key has a checkpoint — the run's own or the
 * stage cache's — is not executed: its checkpoint stands for it. Every such task executed leaves a
 * checkpoint. A reused task's state is put into the session only when a later task is executed on
 * it, so a run whose tasks are all reused never restores a weight.
 */
import type { TaskHooks } from '../engine/session.js';
import type { TaskKeys } from '../cache/keys.js';
import type { TaskCheckpoint } from '../cache/state.js';
import type { SessionState } from '../engine/sessionState.js';
import { changesModel } from '../plan/sensitivity.js';
import type { LoadDataTask, LoadModelTask, PlanTask } from '../plan/types.js';
import type { MetricsLog } from './metricsLog.js';
import type { RunProgress } from './runManifest.js';
import type { RunRecordBuilder } from './runRecordBuilder.js';
import { isCacheable, type ResumedTraining, type ReusedTask, type ReuseSource, type TaskCache } from './taskCache.js';

/** What executing a task means: the engine work, and the session state it leaves. */
export interface TaskSteps {
  /** Executes a task on the state the tasks before it left; returns a one-line summary. */
  execute(task: PlanTask, hooks: TaskHooks): Promise<string>;
  /** The session's state, for an executed task's checkpoint. */
  captureState(): SessionState;
  /** Puts a reused task's state into the session. */
  restoreState(state: SessionState): void;
  /** What a root task read, once executed (data files', model files' hashes): its cache key's inputs. */
  inputsOf(task: LoadDataTask | LoadModelTask): Promise<unknown>;
}

/** The state of a task that changes none (an evaluation, an analysis). */
const NO_STATE: SessionState = { weights: new Map(), pruning: [], snapshots: new Map() };

/** What an epoch checkpoint adds to the run record: nothing until the task ends. */
const NO_RECORD = { training: [], pruning: [], evaluations: [] } as const;

export class TaskExecutor implements RunProgress {
  readonly completedTasks: string[] = [];
  /** Tasks that were not executed because a checkpoint stood for them. */
  readonly reused: ReusedTask[] = [];
  /** Training tasks that went on from an epoch checkpoint instead of their first epoch. */
  readonly resumedTraining: ResumedTraining[] = [];
  private current: string | null = null;
  /** A reused task's state, put into the session only when a task that needs it is executed. */
  private pending: TaskCheckpoint | null = null;

  constructor(
    private readonly plan: readonly PlanTask[],
    private readonly keys: TaskKeys,
    private readonly cache: TaskCache,
    private readonly records: RunRecordBuilder,
    private readonly metrics: MetricsLog,
    private readonly steps: TaskSteps,
  ) {}

  /** The task being run; after a failure or interruption, the one it stopped in. */
  get currentTask(): string | null {
    return this.current;
  }

  /**
   * Runs one task, or reuses the checkpoint its key has; returns a one-line summary for progress
   * output. Tasks come in plan order: keys are made of the keys before them, and a task's state is
   * the one the task before it left.
   */
  async runTask(task: PlanTask, hooks: TaskHooks = {}): Promise<string> {
    const next = this.plan[this.completedTasks.length];
    if (next?.id !== task.id) throw new Error(`internal: task ${task.id} run out of plan order (next in the plan: ${next?.id ?? 'none'})`);
    this.current = task.id;
    let summary: string;
    if (isCacheable(task)) {
      const key = this.keys.keyOf(task);
      let hit = await this.cache.lookup(key);
      // A miss: claim the key, so another run sharing the cache that misses it too waits for this
      // one's entry; one that claimed it first has it in the cache once the claim is ours.
      const claim = hit === null ? await this.cache.claim(key, task.id, hooks.signal) : null;
      try {
        if (claim !== null) hit = await this.cache.lookup(key);
        if (hit !== null) {
          summary = await this.reuse(task, hit.checkpoint, hit.from);
        } else {
          const mark = this.records.mark();
          summary = task.kind === 'train' ? await this.executeTraining(task, key, hooks) : await this.executeWithState(task, hooks);
          // An evaluation or analysis changes no state: its checkpoint holds only what it recorded (see reuse).
          const state = changesModel(task) ? this.steps.captureState() : NO_STATE;
          await this.cache.save({ taskId: task.id, key, state, record: this.records.since(mark), metrics: this.metrics.linesOfTask() });
          if (task.kind === 'train') await this.cache.dropTrainingProgress(key);
        }
      } finally {
        await claim?.release();
      }
    } else {
      summary = await this.executeWithState(task, hooks);
      // Roots are keyed by what they read; export and report feed no other task.
      if (task.kind === 'load-data' || task.kind === 'load-model') this.keys.keyOf(task, await this.steps.inputsOf(task));
    }
    this.completedTasks.push(task.id);
    this.current = null;
    return summary;
  }

  /** Executes a task on the state the tasks before it left (a reused task's, restored first). */
  private async executeWithState(task: PlanTask, hooks: TaskHooks): Promise<string> {
    if (this.pending !== null && task.kind !== 'load-data') {
      this.steps.restoreState(this.pending.state);
      this.pending = null;
    }
    this.metrics.startTask();
    return this.steps.execute(task, hooks);
  }

  /**
   * Executes a training task, keeping an epoch checkpoint after every epoch but the last; when an
   * earlier try of this run left one, goes on from it: its state (later than the predecessor's),
   * its metrics lines, then the remaining epochs.
   */
  private async executeTraining(task: PlanTask, key: string, hooks: TaskHooks): Promise<string> {
    const progress = await this.cache.trainingProgress(key);
    const onEpochEnd: TaskHooks['onEpochEnd'] = (training) =>
      this.cache.saveTrainingProgress({ taskId: task.id, key, state: this.steps.captureState(), record: NO_RECORD, metrics: [...this.metrics.linesOfTask()], training });
    if (progress?.training === undefined) return this.executeWithState(task, { ...hooks, onEpochEnd });
    this.pending = null;
    this.steps.restoreState(progress.state);
    await this.metrics.resumeTask(progress.metrics);
    this.resumedTraining.push({ taskId: task.id, epochsDone: progress.training.epochsDone });
    return this.steps.execute(task, { ...hooks, onEpochEnd, resume: progress.training });
  }

  /** A checkpoint stands for the task: its record entries and metrics lines as it wrote them, its state for later. */
  private async reuse(task: PlanTask, checkpoint: TaskCheckpoint, from: ReuseSource): Promise<string> {
    this.records.addReused(task, from, checkpoint.record);
    await this.metrics.replay(checkpoint.metrics);
    if (from === 'cache') await this.cache.own.write(checkpoint); // so a resume of this run needs no cache
    // An evaluation or analysis leaves the state its dependency left: the pending one (a reused
    // predecessor) or, when that was executed, the session's own. Only state-changing tasks replace it.
    if (changesModel(task)) this.pending = checkpoint;
    this.reused.push({ taskId: task.id, key: checkpoint.key, from });
    return `reused from the ${from === 'cache' ? 'stage cache' : "run's checkpoint"} (key ${checkpoint.key.slice(0, 12)})`;
  }
}
