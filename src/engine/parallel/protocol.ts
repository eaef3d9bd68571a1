/**
 * What the main thread and the gradient workers share. A worker lives as long as its pool
 * (gradientWorkers.ts) and serves one training task after another: a task starts with a message
 * (the model, the shared buffers), and then every step goes through shared memory and Atomics (a
 * few µs) rather than postMessage (tenths of a millisecond, at ~7 ms a step) until END_TASK.
 *
 * control (Int32Array), one per task:
 *   [SEQ]          step number, bumped by the main thread to start a step or end the task (notify)
 *   [COMMAND]      STEP or END_TASK
 *   [BATCH_SIZE]   images in the whole batch (each shard's loss is divided by it)
 *   [SHARDS + 2s]  first position of shard s in `indices`; [SHARDS + 2s + 1] its image count
 *   [DONE + w]     the step worker w last finished (notify), or FAILED
 */
import type { Split } from '../../data/index.js';
import type { BackendRequest } from '../backend/request.js';

export const SEQ = 0;
export const COMMAND = 1;
export const BATCH_SIZE = 2;
export const SHARDS = 3;

export const STEP = 1;
export const END_TASK = 2;
/** Written into a worker's DONE slot when its step threw; the error follows as a message. */
export const FAILED = -1;

export function doneSlot(shards: number, worker: number): number {
  return SHARDS + 2 * shards + worker;
}

/**
 * How long a thread polls a control slot before it sleeps in Atomics.wait. Waking a thread from
 * Atomics.wait took ~0.17 ms here (at ~7 ms a step), and the waits within a step (the worker for
 * the main thread's optimizer update, the main thread for the worker's shard) are mostly under a
 * millisecond or two, so polling first starts the other side's work sooner. After it the thread
 * sleeps as before: an idle pool costs no CPU.
 */
export const POLL_MS = 2;

/** Polls control[index] for up to `ms`: its value once it differs from `value`, or `value` if the time ran out. */
export function pollWhileEqual(control: Int32Array, index: number, value: number, ms: number): number {
  const until = performance.now() + ms;
  let current = Atomics.load(control, index);
  while (current === value && performance.now() < until) current = Atomics.load(control, index);
  return current;
}

/**
 * How long a thread waits at a batch-norm layer for the others (shardBarrier.ts) before it takes
 * them for gone: between two such layers a thread computes a few layers of one shard, milliseconds
 * to about a second, so only a thread that died or hangs takes this long.
 */
export const PARTNER_TIMEOUT_MS = 60_000;

/** Room for the DONE slots of threads 0..threads − 1 (0, the main thread, is unused). */
export function controlLength(shards: number, threads: number): number {
  return doneSlot(shards, threads);
}

/** workerData of a worker: what it needs before any task. */
export interface WorkerStart {
  readonly backend: BackendRequest;
  /** This worker's number (1-based; the main thread is 0). */
  readonly worker: number;
}

/** One training task, as a message (structured clone; the buffers are shared, not copied). */
export interface TaskSetup {
  readonly kind: 'task';
  /** The model's topology, as model.toJSON() gives it (a worker rebuilds only when it changes). */
  readonly topology: string;
  /** Every weight of the model (model.weights order), to start from the main thread's state. */
  readonly initialWeights: readonly Float32Array[];
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  /** ShardingOptions.autodiffOnly. */
  readonly autodiffOnly: boolean;
  readonly threads: number;
  readonly shards: number;
  readonly control: SharedArrayBuffer;
  /** Trainable weights, flat (ParameterVector order): written by the main thread between steps. */
  readonly weights: SharedArrayBuffer;
  /** One flat gradient buffer per shard. */
  readonly gradients: readonly SharedArrayBuffer[];
  /** Per shard: [loss contribution, correct predictions] (Float64Array). */
  readonly results: SharedArrayBuffer;
  /** Per shard: its record of the batch normalization layers' input statistics (Float64Array, batchNormStatistics.ts). */
  readonly statistics: SharedArrayBuffer;
  /** Per shard: its backward sums at the batch normalization layers, laid out as the records (Float64Array, direct/batchNorm.ts). */
  readonly sums: SharedArrayBuffer;
  /** One arrival count per thread at the batch normalization layers' meeting points (Int32Array, shardBarrier.ts). */
  readonly arrivals: SharedArrayBuffer;
  /** The batch's image indices into the training split (Uint32Array). */
  readonly indices: SharedArrayBuffer;
  /** The training split, its arrays in shared memory (sharedSplit.ts): the worker reads them, no copy. */
  readonly split: Split;
}

/**
 * Evaluations of one sensitivity analysis (engine/sensitivity/): a worker takes the model and the
 * test split once, then evaluates job after job, each with some weights replaced for it alone.
 * Between training tasks the workers are idle, so these go by postMessage (an evaluation takes
 * tens of milliseconds, its message a fraction of one).
 */
export interface EvaluationSetup {
  readonly kind: 'evaluation';
  readonly topology: string;
  /** Every weight of the model (model.weights order): the state every job starts from. */
  readonly weights: readonly Float32Array[];
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  /** The test split, its arrays in shared memory (sharedSplit.ts). */
  readonly split: Split;
}

/** One evaluation: the weights (by model.weights index) that differ from the setup's for it. */
export interface EvaluationJob {
  readonly kind: 'evaluate';
  readonly job: number;
  readonly overrides: readonly { readonly index: number; readonly values: Float32Array }[];
}

/** The analysis is over: the worker drops the split and the base weights. */
export interface EvaluationEnd {
  readonly kind: 'evaluation-end';
}

/** What the main thread posts to a worker. */
export type WorkerRequest = TaskSetup | EvaluationSetup | EvaluationJob | EvaluationEnd;

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'task-ready' }
  | { readonly kind: 'evaluation-ready' }
  | { readonly kind: 'evaluated'; readonly job: number; readonly lossSum: number; readonly correct: number; readonly count: number }
  | { readonly kind: 'failed'; readonly message: string; readonly stack?: string };
