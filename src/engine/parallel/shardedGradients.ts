/**
 * The gradient of a batch, computed in `shards` fixed parts on `threads` threads: the main thread
 * and threads − 1 worker threads, each with its own copy of the model on its own wasm backend.
 * TF.js cannot run wasm multithreaded under Node, so this is how training uses a second core.
 *
 * Shard s takes the s-th of `shards` near-equal consecutive slices of the batch and is computed by
 * thread s mod threads. The parts go to the optimizer separately and are added in shard order, so
 * the result depends on the number of shards, never on the number of threads or on timing: one
 * thread computing both shards gives the same weights, bit for bit, as two.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../data/index.js';
import { EngineError } from '../../errors.js';
import type { BackendRequest } from '../backend/select.js';
import type { ParameterVector } from '../parameterVector.js';
import { BATCH_SIZE, COMMAND, controlLength, doneSlot, FAILED, SEQ, SHARDS, STEP, STOP, type WorkerMessage, type WorkerSetup } from './protocol.js';
import { shardGradient } from './shardGradient.js';
import { gradientWorkerEntry } from './workerEntry.js';

export interface ShardingOptions {
  readonly shards: number;
  readonly threads: number;
  /** The backend the workers select: the one the main thread runs (prune-run's wasm kernels included). */
  readonly backend: BackendRequest;
}

export interface BatchOutcome {
  /** The batch's mean loss. */
  readonly loss: number;
  readonly correct: number;
  readonly size: number;
}

/**
 * Atomics.waitAsync (Node ≥ 16), which TypeScript's ES2022 library does not declare; ES2024's would
 * also admit APIs that Node 20 lacks.
 */
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

const float32s = (n: number) => new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));

/** Near-equal consecutive slices: the first (size mod shards) get one image more. */
export function shardBounds(size: number, shards: number): { start: number; count: number }[] {
  const base = Math.floor(size / shards);
  const extra = size % shards;
  const bounds: { start: number; count: number }[] = [];
  let start = 0;
  for (let s = 0; s < shards; s++) {
    const count = base + (s < extra ? 1 : 0);
    bounds.push({ start, count });
    start += count;
  }
  return bounds;
}

interface WorkerHandle {
  readonly worker: Worker;
  /** Set once the worker reported a failure or exited: every later wait rejects with it. */
  failure: Error | null;
  readonly failed: Promise<never>;
}

export class ShardedGradients {
  /** The trainable weights, flat and shared with the workers: the optimizer updates them here. */
  readonly weights: Float32Array;
  /** One gradient part per shard (summing them gives the batch gradient). */
  readonly gradients: readonly Float32Array[];
  private readonly control: Int32Array;
  private readonly results: Float64Array;
  private readonly indices: Uint32Array;
  private readonly input: Parameters<typeof shardGradient>[2];
  private closed = false;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly vector: ParameterVector,
    private readonly options: ShardingOptions,
    buffers: { weights: Float32Array; gradients: Float32Array[]; control: Int32Array; results: Float64Array; indices: Uint32Array },
    input: Parameters<typeof shardGradient>[2],
    private readonly workers: WorkerHandle[],
  ) {
    this.weights = buffers.weights;
    this.gradients = buffers.gradients;
    this.control = buffers.control;
    this.results = buffers.results;
    this.indices = buffers.indices;
    this.input = input;
  }

  static async start(model: tf.LayersModel, vector: ParameterVector, data: Dataset, maxBatch: number, options: ShardingOptions): Promise<ShardedGradients> {
    const { shards, threads } = options;
    if (!Number.isInteger(shards) || shards < 1 || !Number.isInteger(threads) || threads < 1 || threads > shards) {
      throw new EngineError('SHARDING_INVALID', `gradient sharding needs 1 ≤ threads ≤ shards (whole numbers), got ${String(threads)} thread(s) for ${String(shards)} shard(s)`);
    }
    const weights = vector.read(float32s(vector.size));
    const gradients = Array.from({ length: shards }, () => float32s(vector.size));
    const control = new Int32Array(new SharedArrayBuffer(controlLength(shards, threads) * Int32Array.BYTES_PER_ELEMENT));
    const results = new Float64Array(new SharedArrayBuffer(2 * shards * Float64Array.BYTES_PER_ELEMENT));
    const indices = new Uint32Array(new SharedArrayBuffer(Math.max(1, maxBatch) * Uint32Array.BYTES_PER_ELEMENT));
    const split = data.train;
    let input: Parameters<typeof shardGradient>[2] = { split, imageShape: data.imageShape, numClasses: data.numClasses };
    const workers: WorkerHandle[] = [];
    if (threads > 1) {
      // The split once into shared memory, which the main thread then reads too.
      const images = float32s(split.images.length);
      images.set(split.images);
      const labels = new Uint8Array(new SharedArrayBuffer(split.labels.length));
      labels.set(split.labels);
      input = { ...input, split: { images, labels, count: split.count } };
      const entry = gradientWorkerEntry();
      const topology = JSON.stringify(model.toJSON(null, false));
      const initialWeights = model.weights.map((w) => w.read().dataSync() as Float32Array);
      for (let w = 1; w < threads; w++) {
        const setup: WorkerSetup = {
          backend: options.backend,
          topology,
          initialWeights,
          imageShape: data.imageShape,
          numClasses: data.numClasses,
          worker: w,
          threads,
          shards,
          control: control.buffer as SharedArrayBuffer,
          weights: weights.buffer as SharedArrayBuffer,
          gradients: gradients.map((g) => g.buffer as SharedArrayBuffer),
          results: results.buffer as SharedArrayBuffer,
          indices: indices.buffer as SharedArrayBuffer,
          images: images.buffer as SharedArrayBuffer,
          labels: labels.buffer as SharedArrayBuffer,
          count: split.count,
        };
        workers.push(spawn(entry, setup, w));
      }
      try {
        await Promise.all(workers.map((h) => ready(h)));
      } catch (error) {
        await Promise.all(workers.map((h) => h.worker.terminate()));
        throw error;
      }
    }
    return new ShardedGradients(model, vector, options, { weights, gradients, control, results, indices }, input, workers);
  }

  get threads(): number {
    return this.options.threads;
  }

  get shards(): number {
    return this.options.shards;
  }

  /**
   * Computes the gradient parts of the batch order[start, start + batchSize) into `gradients`,
   * from the weights the model (and `weights`) hold now.
   */
  async step(order: Uint32Array, start: number, batchSize: number): Promise<BatchOutcome> {
    if (this.closed) throw new EngineError('SHARDING_CLOSED', 'the gradient workers were already stopped');
    const size = Math.min(batchSize, this.input.split.count - start);
    if (size > this.indices.length) throw new EngineError('SHARDING_INVALID', `a batch of ${String(size)} exceeds the ${String(this.indices.length)} the workers were set up for`);
    const { shards, threads } = this.options;
    this.indices.set(order.subarray(start, start + size));
    const bounds = shardBounds(size, shards);
    for (const [s, b] of bounds.entries()) {
      this.control[SHARDS + 2 * s] = b.start;
      this.control[SHARDS + 2 * s + 1] = b.count;
    }
    this.control[BATCH_SIZE] = size;
    this.control[COMMAND] = STEP;
    const seq = Atomics.add(this.control, SEQ, 1) + 1;
    Atomics.notify(this.control, SEQ);

    for (let s = 0; s < shards; s += threads) {
      const b = bounds[s]!;
      const outcome = shardGradient(this.model, this.vector, this.input, this.indices.subarray(b.start, b.start + b.count), size, this.gradients[s]!);
      this.results[2 * s] = outcome.loss;
      this.results[2 * s + 1] = outcome.correct;
    }
    for (const [i, handle] of this.workers.entries()) await this.finished(handle, doneSlot(shards, i + 1), seq);

    let loss = 0;
    let correct = 0;
    for (let s = 0; s < shards; s++) {
      loss += this.results[2 * s]!;
      correct += this.results[2 * s + 1]!;
    }
    return { loss, correct, size };
  }

  /** Waits until worker `handle` has finished step `seq`, or rejects with its failure. */
  private async finished(handle: WorkerHandle, slot: number, seq: number): Promise<void> {
    for (;;) {
      const value = Atomics.load(this.control, slot);
      if (value === seq) return;
      if (value === FAILED || handle.failure !== null) {
        await handle.failed; // rejects with the worker's own message once it arrives
      }
      const waiting = waitAsync(this.control, slot, value);
      if (waiting.async) await Promise.race([waiting.value, handle.failed]);
    }
  }

  /** Stops the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.control[COMMAND] = STOP;
    Atomics.add(this.control, SEQ, 1);
    Atomics.notify(this.control, SEQ);
    await Promise.all(this.workers.map((h) => h.worker.terminate()));
  }
}

function spawn(entry: URL, setup: WorkerSetup, index: number): WorkerHandle {
  const worker = new Worker(entry, { workerData: setup });
  // Not unref()'d: a pending Atomics.waitAsync does not keep Node's event loop alive, the worker
  // does (measured: with an unref'd worker Node exits mid-wait). close() ends it.
  let reject: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, r) => {
    reject = r;
  });
  failed.catch(() => undefined); // observed through `failure`; never an unhandled rejection
  const handle: WorkerHandle = { worker, failure: null, failed };
  const fail = (error: Error) => {
    if (handle.failure !== null) return;
    handle.failure = error;
    reject(error);
  };
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'failed') {
      fail(new EngineError('GRADIENT_WORKER_FAILED', `gradient worker ${String(index)} failed: ${message.message}`, { cause: message.stack }));
    }
  });
  worker.on('error', (error) => fail(new EngineError('GRADIENT_WORKER_FAILED', `gradient worker ${String(index)} failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => fail(new EngineError('GRADIENT_WORKER_FAILED', `gradient worker ${String(index)} exited (code ${String(code)}) before it was stopped`)));
  return handle;
}

function ready(handle: WorkerHandle): Promise<void> {
  return Promise.race([
    new Promise<void>((resolve) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.kind !== 'ready') return;
        handle.worker.off('message', onMessage);
        resolve();
      };
      handle.worker.on('message', onMessage);
    }),
    handle.failed,
  ]);
}
