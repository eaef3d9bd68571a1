/**
 * One shard's part of a batch gradient: the gradient of Σ cross-entropy over the shard's images
 * divided by the size of the whole batch, so that the shards' parts add up to the gradient of the
 * batch's mean loss. The main thread and the workers run this same function.
 *
 * Two ways to the same gradient: the direct pass (direct/shard.ts) for the models it covers
 * (direct/net.ts), and TF.js's autodiff (tf.variableGrads) for every other model. Either records
 * the shard's batch-norm statistics when asked (batchNormStatistics.ts): the direct pass as it
 * computes them, autodiff by observing the layers' calls. The direct pass's batch norms normalise
 * by the statistics of the whole batch, all shards together (threadShardGradients); autodiff's by
 * those of the images it is called on.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Split } from '../../data/index.js';
import { makeBatch } from '../batches.js';
import { crossEntropySum, outputKindOf } from '../loss.js';
import { directNetOf, fitsData, type DirectNet } from '../direct/net.js';
import type { BatchParts } from '../direct/batchNorm.js';
import { directShardGradient, directShardGradients, type DirectShard } from '../direct/batchShards.js';
import type { ParameterVector } from '../parameterVector.js';
import type { BatchNormStatistics } from './batchNormStatistics.js';

export interface ShardOutcome {
  /** This shard's share of the batch's mean loss. */
  readonly loss: number;
  readonly correct: number;
}

export interface ShardInput {
  readonly split: Split;
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Every shard through autodiff, even where the direct pass applies (ShardingOptions.autodiffOnly). */
  readonly autodiffOnly?: boolean;
}

/** Per parameter vector (one per training task): the direct pass's view of the model, or null. */
const directNets = new WeakMap<ParameterVector, DirectNet | null>();

/** The direct pass's view of the model when it computes this input's shards, else null (autodiff does). */
function directNetFor(model: tf.LayersModel, vector: ParameterVector, input: ShardInput): DirectNet | null {
  if (input.autodiffOnly === true || tf.getBackend() !== 'wasm') return null;
  let net = directNets.get(vector);
  if (net === undefined) {
    net = directNetOf(model, vector);
    directNets.set(vector, net);
  }
  return net !== null && fitsData(net, input.imageShape, input.numClasses) ? net : null;
}

/** Whether the direct pass computes the shards (else autodiff, whose batch norm sees only its shard). */
export function runsDirect(model: tf.LayersModel, vector: ParameterVector, input: ShardInput): boolean {
  return directNetFor(model, vector, input) !== null;
}

/** Where a shard's batch-norm statistics go: the model's layers, and this shard's record. */
export interface BatchNormRecording {
  readonly statistics: BatchNormStatistics;
  readonly record: Float64Array;
}

/**
 * The shard's gradient part into `out` (laid out as `vector`) as if it were a batch of its own
 * (its batch norms normalise by its statistics), by the direct pass where it applies; with
 * `batchNorm`, the shard's batch-norm statistics into its record.
 */
export function shardGradient(
  model: tf.LayersModel,
  vector: ParameterVector,
  input: ShardInput,
  indices: Uint32Array,
  batchSize: number,
  out: Float32Array,
  batchNorm: BatchNormRecording | null = null,
): ShardOutcome {
  const net = directNetFor(model, vector, input);
  if (net === null) {
    const pass = () => autodiffShardGradient(model, vector, input, indices, batchSize, out);
    return batchNorm === null ? pass() : batchNorm.statistics.recordDuring(batchNorm.record, pass);
  }
  return directShardGradient(tf.backend() as BackendWasm, net, input.split, indices, batchSize, out, batchNorm?.record ?? null);
}

/** What the shards of a batch share: the model's batch-norm layers, every shard's records and sums, and the barrier between threads. */
export interface BatchSharing {
  readonly statistics: BatchNormStatistics;
  readonly parts: BatchParts;
  /** Returns once every thread's shards have reached the batch-norm layer this thread's have (parallel/shardBarrier.ts). */
  readonly barrier: () => void;
}

/**
 * The gradient parts of the shards one thread computes. The direct pass runs them in lockstep
 * with the batch's other shards (direct/batchShards.ts), its batch norms normalising by the whole
 * batch; autodiff runs them one after another, each normalised by its own statistics (the caller
 * gives a model with batch norm the whole batch as one shard: parallel/shardedGradients.ts).
 */
export function threadShardGradients(
  model: tf.LayersModel,
  vector: ParameterVector,
  input: ShardInput,
  shards: readonly DirectShard[],
  batchSize: number,
  sharing: BatchSharing | null,
): ShardOutcome[] {
  const net = directNetFor(model, vector, input);
  if (net === null) {
    return shards.map(({ shard, indices, out }) => {
      const pass = () => autodiffShardGradient(model, vector, input, indices, batchSize, out);
      return sharing === null ? pass() : sharing.statistics.recordDuring(sharing.parts.records[shard]!, pass);
    });
  }
  // Without sharing (a model without batch norm, so far), scratch records stand in.
  const count = Math.max(0, ...shards.map((s) => s.shard + 1));
  const scratch = () => Array.from({ length: count }, () => new Float64Array(net.recordLength));
  const parts = sharing?.parts ?? { records: scratch(), sums: scratch() };
  return directShardGradients(tf.backend() as BackendWasm, net, input.split, shards, batchSize, parts, sharing?.barrier ?? (() => undefined));
}

/** The same through tf.variableGrads: any model, any backend. */
export function autodiffShardGradient(
  model: tf.LayersModel,
  vector: ParameterVector,
  input: ShardInput,
  indices: Uint32Array,
  batchSize: number,
  out: Float32Array,
): ShardOutcome {
  if (indices.length === 0) {
    out.fill(0);
    return { loss: 0, correct: 0 };
  }
  const batch = makeBatch(input.split, input.imageShape, indices, 0, indices.length);
  const kind = outputKindOf(model);
  try {
    const kept: { correct?: tf.Scalar } = {};
    const { value, grads } = tf.variableGrads(() => {
      const outputs = model.apply(batch.images, { training: true }) as tf.Tensor2D;
      const sum = crossEntropySum(outputs, batch.labels, input.numClasses, kind);
      kept.correct = tf.keep(tf.sum<tf.Scalar>(tf.cast(tf.equal(tf.argMax(outputs, 1), batch.labels), 'float32')));
      return tf.div<tf.Scalar>(sum, batchSize);
    }, vector.trainable as tf.Variable[]);
    try {
      for (const [i, slot] of vector.slots.entries()) {
        const grad = grads[vector.trainable[i]!.name];
        if (grad === undefined) out.fill(0, slot.offset, slot.offset + slot.size); // a weight the loss does not reach
        else out.set(grad.dataSync(), slot.offset);
      }
      return { loss: value.dataSync()[0]!, correct: kept.correct === undefined ? 0 : kept.correct.dataSync()[0]! };
    } finally {
      tf.dispose([value, grads]);
      kept.correct?.dispose();
    }
  } finally {
    batch.images.dispose();
    batch.labels.dispose();
  }
}
