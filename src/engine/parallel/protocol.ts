/**
 * What the main thread and the gradient workers share. Everything per step goes through shared
 * memory and Atomics (a few µs), not postMessage (tenths of a millisecond, at ~7 ms a step); messages
 * are used only to start a worker and to report its failure.
 *
 * control (Int32Array):
 *   [SEQ]          step number, bumped by the main thread to start a step (Atomics.notify)
 *   [COMMAND]      STEP or STOP
 *   [BATCH_SIZE]   images in the whole batch (each shard's loss is divided by it)
 *   [SHARDS + 2s]  first position of shard s in `indices`; [SHARDS + 2s + 1] its image count
 *   [DONE + w]     the step worker w last finished (Atomics.notify), or FAILED
 */
import type { BackendRequest } from '../backend/select.js';

export const SEQ = 0;
export const COMMAND = 1;
export const BATCH_SIZE = 2;
export const SHARDS = 3;

export const STEP = 1;
export const STOP = 2;
/** Written into a worker's DONE slot when its step threw; the error follows as a message. */
export const FAILED = -1;

export function doneSlot(shards: number, worker: number): number {
  return SHARDS + 2 * shards + worker;
}

/** Room for the DONE slots of threads 0..threads − 1 (0, the main thread, is unused). */
export function controlLength(shards: number, threads: number): number {
  return doneSlot(shards, threads);
}

/** Handed to each worker at start (structured clone; the buffers are shared, not copied). */
export interface WorkerSetup {
  readonly backend: BackendRequest;
  /** The model's topology, as model.toJSON() gives it. */
  readonly topology: string;
  /** Every weight of the model (model.weights order), to start from the main thread's state. */
  readonly initialWeights: readonly Float32Array[];
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  /** This worker's number (1-based; the main thread is 0) and the number of threads in all. */
  readonly worker: number;
  readonly threads: number;
  readonly shards: number;
  readonly control: SharedArrayBuffer;
  /** Trainable weights, flat (ParameterVector order): written by the main thread between steps. */
  readonly weights: SharedArrayBuffer;
  /** One flat gradient buffer per shard. */
  readonly gradients: readonly SharedArrayBuffer[];
  /** Per shard: [loss contribution, correct predictions] (Float64Array). */
  readonly results: SharedArrayBuffer;
  /** The batch's image indices into the training split (Uint32Array). */
  readonly indices: SharedArrayBuffer;
  readonly images: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  readonly count: number;
}

export type WorkerMessage = { readonly kind: 'ready' } | { readonly kind: 'failed'; readonly message: string; readonly stack?: string };
