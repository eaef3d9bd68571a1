/**
 * One shard's part of a batch gradient: the gradient of Σ cross-entropy over the shard's images
 * divided by the size of the whole batch, so that the shards' parts add up to the gradient of the
 * batch's mean loss. The main thread and the workers run this same function.
 *
 * Two ways to the same gradient: the direct pass (direct/shard.ts) for the models it covers
 * (direct/net.ts), and TF.js's autodiff (tf.variableGrads) for every other model. Either records
 * the shard's batch-norm statistics when asked (batchNormStatistics.ts): the direct pass as it
 * computes them, autodiff by observing the layers' calls.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Split } from '../../data/index.js';
import { makeBatch } from '../batches.js';
import { crossEntropySum, outputKindOf } from '../loss.js';
import { directNetOf, fitsData, type DirectNet } from '../direct/net.js';
import { directShardGradient } from '../direct/shard.js';
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

function directNetFor(model: tf.LayersModel, vector: ParameterVector): DirectNet | null {
  if (tf.getBackend() !== 'wasm') return null;
  let net = directNets.get(vector);
  if (net === undefined) {
    net = directNetOf(model, vector);
    directNets.set(vector, net);
  }
  return net;
}

/** Where a shard's batch-norm statistics go: the model's layers, and this shard's record. */
export interface BatchNormRecording {
  readonly statistics: BatchNormStatistics;
  readonly record: Float64Array;
}

/**
 * The shard's gradient part into `out` (laid out as `vector`), by the direct pass where it
 * applies; with `batchNorm`, the shard's batch-norm statistics into its record.
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
  const net = indices.length === 0 || input.autodiffOnly === true ? null : directNetFor(model, vector);
  if (net === null || !fitsData(net, input.imageShape, input.numClasses)) {
    const pass = () => autodiffShardGradient(model, vector, input, indices, batchSize, out);
    return batchNorm === null ? pass() : batchNorm.statistics.recordDuring(batchNorm.record, pass);
  }
  return directShardGradient(tf.backend() as BackendWasm, net, input.split, indices, batchSize, out, batchNorm?.record ?? null);
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
