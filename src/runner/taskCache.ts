/**
 * Which tasks of a run can be skipped: a task whose key (cache/keys.ts) has a checkpoint — in the
 * run's own checkpoints/ folder (a resumed run) or in the shared stage cache — is not executed;
 * its checkpoint stands for it. Every task executed leaves a checkpoint in both.
 */
import path from 'node:path';
import { claimKey, type HeldClaim } from '../cache/claim.js';
import { CheckpointStore } from '../cache/store.js';
import type { TaskCheckpoint } from '../cache/state.js';
import type { PlanTask } from '../plan/types.js';

/** Tasks worth keeping: they compute (train, prune, evaluate, sensitivity). Loading is redone, export and report always run. */
export function isCacheable(task: PlanTask): boolean {
  return task.kind === 'train' || task.kind === 'prune' || task.kind === 'evaluate' || task.kind === 'sensitivity';
}

export type ReuseSource = 'checkpoint' | 'cache';

const MB = 1024 * 1024;

/** The shared stage cache's default size limit (cacheMaxMB in the project config). */
export const DEFAULT_CACHE_MAX_MB = 2048;

export interface ReusedTask {
  readonly taskId: string;
  readonly key: string;
  readonly from: ReuseSource;
}

/** A training task that went on from an epoch checkpoint of an earlier try, after `epochsDone` epochs. */
export interface ResumedTraining {
  readonly taskId: string;
  readonly epochsDone: number;
}

export class TaskCache {
  /** Problems with entries that were found but not trusted (hash mismatch, damage), for the output. */
  readonly problems: string[] = [];
  /**
   * Epoch checkpoints of the training task under way, beside the run's own checkpoints (never in
   * the shared cache: they stand for no finished task). One per task key, replaced every epoch,
   * dropped when the task's own checkpoint is written.
   */
  private readonly inTraining: CheckpointStore;

  constructor(
    /** The run's own checkpoints (kept while it is partial, for resume). */
    readonly own: CheckpointStore,
    /** The shared stage cache; null with --no-cache. */
    readonly shared: CheckpointStore | null,
    /** The most the shared cache may hold, in bytes (trim()). */
    readonly maxBytes: number = DEFAULT_CACHE_MAX_MB * MB,
  ) {
    this.inTraining = new CheckpointStore(path.join(own.dir, 'training'));
  }

  /** The epoch checkpoint a resumed training task goes on from, if an earlier try left one. */
  async trainingProgress(key: string): Promise<TaskCheckpoint | null> {
    const found = await this.inTraining.read(key);
    if (found.problem !== null) this.problems.push(found.problem);
    return found.found && found.checkpoint.training !== undefined ? found.checkpoint : null;
  }

  /** Keeps where a training task stands (resume depends on it: a failure is the run's). */
  saveTrainingProgress(checkpoint: TaskCheckpoint): Promise<void> {
    return this.inTraining.replace(checkpoint);
  }

  /** The task finished: its own checkpoint stands for it now. */
  dropTrainingProgress(key: string): Promise<void> {
    return this.inTraining.drop(key);
  }

  async lookup(key: string): Promise<{ checkpoint: TaskCheckpoint; from: ReuseSource } | null> {
    const sources: [CheckpointStore | null, ReuseSource][] = [[this.own, 'checkpoint'], [this.shared, 'cache']];
    for (const [store, from] of sources) {
      if (store === null) continue;
      const found = await store.read(key);
      if (found.problem !== null) this.problems.push(found.problem);
      if (found.found) return { checkpoint: found.checkpoint, from };
    }
    return null;
  }

  /**
   * Before computing a task the shared cache lacks: claims its key there, so that runs sharing the
   * cache (a sweep's points) compute it once — another run that holds the claim is waited for, and
   * its entry is then found by lookup(). Null without a shared cache.
   */
  async claim(key: string, taskId: string, signal?: AbortSignal): Promise<HeldClaim | null> {
    if (this.shared === null) return null;
    const onWait = () => this.problems.push(`waited for another run computing ${taskId} (key ${key.slice(0, 12)}) into ${this.shared?.dir ?? ''}`);
    try {
      return await claimKey(this.shared.dir, key, taskId, { signal, onWait });
    } catch (error) {
      if (signal?.aborted === true) throw error;
      // A cache folder that cannot take a claim (read-only) costs only the sharing: noted, computed here.
      this.problems.push(`cannot claim ${taskId} in ${this.shared.dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); computed without waiting for other runs`);
      return null;
    }
  }

  /**
   * Keeps a checkpoint in the run's folder (resume depends on it: a failure there is the run's) and
   * in the shared cache, where a failure (a read-only or full disk) costs only later reuse: noted.
   */
  async save(checkpoint: TaskCheckpoint): Promise<void> {
    await this.own.write(checkpoint);
    if (this.shared === null) return;
    try {
      await this.shared.write(checkpoint);
    } catch (error) {
      this.problems.push(`cannot write to ${this.shared.dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ${checkpoint.taskId} is not cached`);
    }
  }

  /**
   * Brings the shared cache back under its limit (least recently used entries first), at the end
   * of a run; what it removed is a note, and so is anything it could not remove.
   */
  async trim(): Promise<void> {
    if (this.shared === null) return;
    const outcome = await this.shared.trim(this.maxBytes);
    this.problems.push(...outcome.problems);
    if (outcome.removedEntries > 0) {
      const mb = (bytes: number) => (bytes / MB).toFixed(1);
      this.problems.push(
        `removed ${String(outcome.removedEntries)} least recently used entr${outcome.removedEntries === 1 ? 'y' : 'ies'} (${mb(outcome.freedBytes)} MB) ` +
          `to keep ${this.shared.dir} under ${mb(this.maxBytes)} MB (cacheMaxMB in the project config)`,
      );
    }
  }
}
