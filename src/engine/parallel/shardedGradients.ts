/**
 * The gradient of a batch, computed in `shards` fixed parts on `threads` threads: the main thread
 * and threads − 1 pooled worker threads (gradientWorkers.ts), each with its own copy of the model
 * on its own wasm backend. TF.js cannot run wasm multithreaded under Node, so this is how
 * training uses a second core.
 *
 * Shard s takes the s-th of `shards` near-equal consecutive slices of the batch and is computed by
 * thread s mod threads. The parts go to the optimizer separately and are added in shard order, so
 * the result depends on the number of shards, never on the number of threads or on timing: one
 * thread computing both shards gives the same weights, bit for bit, as two.
 *
 * Batch norm normalises by the statistics of the whole batch: in the direct pass the threads meet
 * at each batch-norm layer (shardBarrier.ts) and pool their shards' parts there, in shard order
 * (direct/batchShards.ts); a model with batch norm that autodiff trains gets each batch whole on
 * the main thread (its layers see only the images they are called on).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../data/index.js';
import { EngineError } from '../../errors.js';
import type { BackendRequest } from '../backend/request.js';
import { yieldToEventLoop } from '../../util/eventLoop.js';
import type { ParameterVector } from '../parameterVector.js';
import { BatchNormStatistics } from './batchNormStatistics.js';
import { GradientWorkers } from './gradientWorkers.js';
import { BATCH_SIZE, COMMAND, controlLength, doneSlot, END_TASK, FAILED, PARTNER_TIMEOUT_MS, POLL_MS, pollWhileEqual, SEQ, SHARDS, STEP, type TaskSetup } from './protocol.js';
import { PartnerFailed, ShardBarrier } from './shardBarrier.js';
import { runsDirect, threadShardGradients, type BatchSharing, type ShardInput } from './shardGradient.js';
import { sharedSplit } from './sharedSplit.js';

export interface ShardingOptions {
  readonly shards: number;
  readonly threads: number;
  /** The backend the workers select: the one the main thread runs (prune-run's wasm kernels included). */
  readonly backend: BackendRequest;
  /**
   * Every shard's gradient through tf.variableGrads, even where the direct pass (direct/) applies:
   * the reference that pass is tested and measured against. Default false.
   */
  readonly autodiffOnly?: boolean;
}

export interface BatchOutcome {
  /** The batch's mean loss. */
  readonly loss: number;
  readonly correct: number;
  readonly size: number;
}

/**
 * How long the main thread blocks in Atomics.wait for a worker before it gives the event loop a
 * turn (to hear of a worker that failed). A worker normally finishes within a few ms of the main
 * thread's own shard. Not Atomics.waitAsync: in Node 20 its wake-ups ride on event-loop tasks that
 * Node does not keep the loop alive for (nodejs/node#44729, #61941), and a bench run was seen to
 * hang on it.
 */
const WAIT_SLICE_MS = 20;

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

export class ShardedGradients {
  /** The trainable weights, flat and shared with the workers: the optimizer updates them here. */
  readonly weights: Float32Array;
  /** One gradient part per shard (summing them gives the batch gradient). */
  readonly gradients: readonly Float32Array[];
  private readonly control: Int32Array;
  private readonly results: Float64Array;
  private readonly indices: Uint32Array;
  /** One record per shard of its batch normalization inputs' statistics (none without BN layers). */
  private readonly statistics: readonly Float64Array[];
  /** What the shards share at batch-norm layers (null without them). */
  private readonly sharing: BatchSharing | null;
  /**
   * Whether each batch goes to shard 0 whole: a model with batch norm that autodiff trains, whose
   * layers normalise by the statistics of the images they are called on — the batch's, not a shard's.
   */
  private readonly wholeBatch: boolean;
  private closed = false;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly vector: ParameterVector,
    private readonly options: ShardingOptions,
    private readonly input: ShardInput,
    private readonly batchNorm: BatchNormStatistics | null,
    buffers: { weights: Float32Array; gradients: Float32Array[]; control: Int32Array; results: Float64Array; statistics: Float64Array; sums: Float64Array; arrivals: Int32Array; indices: Uint32Array },
    /** The workers, and whether this object started them (and so stops them). */
    private readonly pool: { readonly workers: GradientWorkers; readonly owned: boolean } | null,
  ) {
    this.weights = buffers.weights;
    this.gradients = buffers.gradients;
    this.control = buffers.control;
    this.results = buffers.results;
    this.indices = buffers.indices;
    const length = batchNorm?.recordLength ?? 0;
    const perShard = (all: Float64Array) => this.gradients.map((_, s) => all.subarray(s * length, (s + 1) * length));
    this.statistics = perShard(buffers.statistics);
    const control = this.control;
    const barrier =
      options.threads === 1
        ? null
        : new ShardBarrier(
            buffers.arrivals,
            0,
            { failed: (t) => Atomics.load(control, doneSlot(options.shards, t)) === FAILED, calledOff: () => false, name: (t) => `gradient worker ${String(t)}` },
            PARTNER_TIMEOUT_MS,
          );
    const parts = { records: this.statistics, sums: perShard(buffers.sums) };
    this.sharing = batchNorm === null ? null : { statistics: batchNorm, parts, barrier: barrier === null ? () => undefined : () => barrier.arrive() };
    this.wholeBatch = batchNorm !== null && !runsDirect(model, vector, input);
  }

  /**
   * Sets up a training task. With threads > 1 it runs on `workers` (threads − 1 of them, on the
   * same backend), or on a pool of its own that close() stops.
   */
  static async start(
    model: tf.LayersModel,
    vector: ParameterVector,
    data: Dataset,
    maxBatch: number,
    options: ShardingOptions,
    workers?: GradientWorkers,
  ): Promise<ShardedGradients> {
    const { shards, threads } = options;
    if (!Number.isInteger(shards) || shards < 1 || !Number.isInteger(threads) || threads < 1 || threads > shards) {
      throw new EngineError('SHARDING_INVALID', `gradient sharding needs 1 ≤ threads ≤ shards (whole numbers), got ${String(threads)} thread(s) for ${String(shards)} shard(s)`);
    }
    if (workers !== undefined && (workers.size !== threads - 1 || workers.backend !== options.backend)) {
      throw new EngineError(
        'SHARDING_INVALID',
        `a pool of ${String(workers.size)} worker(s) on ${workers.backend} cannot serve ${String(threads)} thread(s) on ${options.backend}`,
      );
    }
    const batchNorm = BatchNormStatistics.of(model);
    const buffers = {
      weights: vector.read(float32s(vector.size)),
      gradients: Array.from({ length: shards }, () => float32s(vector.size)),
      control: new Int32Array(new SharedArrayBuffer(controlLength(shards, threads) * Int32Array.BYTES_PER_ELEMENT)),
      results: new Float64Array(new SharedArrayBuffer(2 * shards * Float64Array.BYTES_PER_ELEMENT)),
      statistics: new Float64Array(new SharedArrayBuffer(shards * (batchNorm?.recordLength ?? 0) * Float64Array.BYTES_PER_ELEMENT)),
      sums: new Float64Array(new SharedArrayBuffer(shards * (batchNorm?.recordLength ?? 0) * Float64Array.BYTES_PER_ELEMENT)),
      arrivals: new Int32Array(new SharedArrayBuffer(threads * Int32Array.BYTES_PER_ELEMENT)),
      indices: new Uint32Array(new SharedArrayBuffer(Math.max(1, maxBatch) * Uint32Array.BYTES_PER_ELEMENT)),
    };
    const input = { split: data.train, imageShape: data.imageShape, numClasses: data.numClasses, autodiffOnly: options.autodiffOnly === true };
    if (threads === 1) return new ShardedGradients(model, vector, options, input, batchNorm, buffers, null);

    const pool = workers === undefined ? { workers: await GradientWorkers.start(threads - 1, options.backend), owned: true } : { workers, owned: false };
    // Shared memory both sides read (the main thread too, so the split is not held twice per task).
    const split = sharedSplit(data.train);
    const setup: TaskSetup = {
      kind: 'task',
      topology: JSON.stringify(model.toJSON(null, false)),
      initialWeights: model.weights.map((w) => w.read().dataSync() as Float32Array),
      imageShape: data.imageShape,
      numClasses: data.numClasses,
      autodiffOnly: input.autodiffOnly,
      threads,
      shards,
      control: buffers.control.buffer,
      weights: buffers.weights.buffer as SharedArrayBuffer,
      gradients: buffers.gradients.map((g) => g.buffer),
      results: buffers.results.buffer,
      statistics: buffers.statistics.buffer,
      sums: buffers.sums.buffer,
      arrivals: buffers.arrivals.buffer,
      indices: buffers.indices.buffer,
      split,
    };
    try {
      await pool.workers.startTask(setup);
    } catch (error) {
      if (pool.owned) await pool.workers.close();
      throw error;
    }
    return new ShardedGradients(model, vector, options, { ...input, split }, batchNorm, buffers, pool);
  }

  /**
   * Computes the gradient parts of the batch order[start, start + batchSize) into `gradients`,
   * from the weights the model (and `weights`) hold now.
   */
  async step(order: Uint32Array, start: number, batchSize: number): Promise<BatchOutcome> {
    if (this.closed) throw new EngineError('SHARDING_CLOSED', 'this training task has ended');
    const size = Math.min(batchSize, this.input.split.count - start);
    if (size > this.indices.length) throw new EngineError('SHARDING_INVALID', `a batch of ${String(size)} exceeds the ${String(this.indices.length)} the task was set up for`);
    const { shards, threads } = this.options;
    this.indices.set(order.subarray(start, start + size));
    const bounds = this.wholeBatch ? shardBounds(size, 1).concat(Array.from({ length: shards - 1 }, () => ({ start: size, count: 0 }))) : shardBounds(size, shards);
    for (const [s, b] of bounds.entries()) {
      this.control[SHARDS + 2 * s] = b.start;
      this.control[SHARDS + 2 * s + 1] = b.count;
    }
    this.control[BATCH_SIZE] = size;
    const seq = this.command(STEP);

    const movingBefore = this.batchNorm?.snapshot() ?? [];
    const mine = bounds.flatMap((b, s) => (s % threads === 0 ? [{ shard: s, indices: this.indices.subarray(b.start, b.start + b.count), out: this.gradients[s]! }] : []));
    try {
      const outcomes = threadShardGradients(this.model, this.vector, this.input, mine, size, this.sharing);
      for (const [k, outcome] of outcomes.entries()) {
        this.results[2 * mine[k]!.shard] = outcome.loss;
        this.results[2 * mine[k]!.shard + 1] = outcome.correct;
      }
      for (let w = 1; w < threads; w++) await this.finished(w, seq);
    } catch (error) {
      // A worker that failed mid-step says why in a message of its own: that is the error to report.
      const failure = error instanceof PartnerFailed ? await this.finished(error.thread, seq).then(() => error, (reason: unknown) => reason) : error;
      // The workers go back to waiting (one held at a batch-norm layer sees the step called off).
      await this.close();
      throw failure;
    }
    this.batchNorm?.update(movingBefore, this.statistics);

    let loss = 0;
    let correct = 0;
    for (let s = 0; s < shards; s++) {
      loss += this.results[2 * s]!;
      correct += this.results[2 * s + 1]!;
    }
    return { loss, correct, size };
  }

  /** Ends the task: the workers go back to waiting for the next one (or stop, if the pool is ours). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pool === null) return;
    this.command(END_TASK);
    if (this.pool.owned) await this.pool.workers.close();
  }

  private command(command: number): number {
    Atomics.store(this.control, COMMAND, command);
    const seq = Atomics.add(this.control, SEQ, 1) + 1;
    Atomics.notify(this.control, SEQ);
    return seq;
  }

  /** Waits until worker w has finished step `seq`, or rejects with its failure. */
  private async finished(w: number, seq: number): Promise<void> {
    const slot = doneSlot(this.options.shards, w);
    const workers = this.pool!.workers;
    for (;;) {
      const value = Atomics.load(this.control, slot);
      if (value === seq) return;
      if (value === FAILED) await workers.failureOf(w); // rejects with the worker's own message once it arrives
      workers.throwIfFailed(w);
      if (pollWhileEqual(this.control, slot, value, POLL_MS) !== value) continue;
      if (Atomics.wait(this.control, slot, value, WAIT_SLICE_MS) === 'timed-out') await yieldToEventLoop();
    }
  }
}
