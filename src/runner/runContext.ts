/**
 * What every part of one run shares: the prepared recipe, the run folder, the backend and training
 * loop it runs on, and the engine session. The manifest writer, the task steps and the exporter
 * read the run through it; none of them owns it.
 */
import path from 'node:path';
import type { BackendInfo } from '../engine/backend/select.js';
import type { ShardingOptions } from '../engine/parallel/shardedGradients.js';
import type { EngineSession } from '../engine/session.js';
import { GRADIENT_SHARDS } from '../engine/gradientShards.js';
import { codeIdentity } from '../cache/codeIdentity.js';
import { modelIdentity } from '../cache/identity.js';
import { PRUNE_RUN_VERSION } from '../version.js';
import { determinismOf, RANDOM_TRAINING_LAYERS } from '../runs/determinism.js';
import type { DeterminismEntry } from '../runs/record.js';
import type { RunDirectory } from '../runs/runDirectory.js';
import { exitReasonOf } from '../runs/summary.js';
import type { PreparedRun } from './prepare.js';

/** How training steps run, for the manifest: the shards decide the numbers, the threads only the speed. */
export function trainingLoopOf(sharding: ShardingOptions | null): Record<string, unknown> {
  return sharding === null
    ? { loop: 'tfjs', optimizer: 'tf.train (TF.js)' }
    : { loop: 'sharded', gradientShards: sharding.shards, threads: sharding.threads, optimizer: 'flat (prune-run)', shardsFixedAt: GRADIENT_SHARDS };
}

/** What of the engine decides the numbers, for the cache keys: prune-run and its code, the backend, the training loop (not its thread count, train.ts). */
export function engineIdentity(backend: BackendInfo, sharding: ShardingOptions | null): unknown {
  const { threads: _threads, ...loop } = trainingLoopOf(sharding);
  return { pruneRun: PRUNE_RUN_VERSION, code: codeIdentity(), backend: [backend.name, backend.backendPackage, backend.backendVersion], loop };
}

/**
 * The model's source: the builtin's name (its weights come from the seed), or model.json and its
 * weight files by sha256. The manifest records it and load-model's cache key is made of it.
 */
export function modelFilesOf(prepared: PreparedRun): Promise<unknown> {
  const source = prepared.recipe.model;
  const named = source.kind === 'builtin' ? { builtin: source.name } : { [source.kind]: path.relative(path.dirname(prepared.recipe.file), source.path) };
  // A file that cannot be read is load-model's failure to report (with its own error); the
  // manifest written before it must not fail the start instead, so it says what it could not read.
  return modelIdentity(source).then(
    (identity) => ({ ...named, ...(identity as Record<string, unknown>) }),
    (error: unknown) => ({ ...named, unreadable: exitReasonOf(error) }),
  );
}

export class RunContext {
  /** Read once, at the first manifest (before the run starts), so the manifest pins the files the run read. */
  private modelFilesRead: Promise<unknown> | null = null;

  constructor(
    readonly prepared: PreparedRun,
    readonly dir: RunDirectory,
    readonly backend: BackendInfo,
    /** How training runs (train.ts's defaultSharding); null: TF.js's own loop. */
    readonly sharding: ShardingOptions | null,
    readonly session: EngineSession,
  ) {}

  /** The model's source (modelFilesOf), read once. */
  modelFiles(): Promise<unknown> {
    this.modelFilesRead ??= modelFilesOf(this.prepared);
    return this.modelFilesRead;
  }

  /** Whether a rerun gives the same bits: in every manifest, and in the record the report writes. */
  determinism(): DeterminismEntry {
    return determinismOf(this.backend.name, this.sharding?.shards ?? null, this.randomTrainingLayers());
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
}
