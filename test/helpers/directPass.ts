/**
 * The direct training pass (src/engine/direct/) against TF.js's autodiff on the same weights and
 * images, as the direct-pass tests use it.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { directNetOf } from '../../src/engine/direct/net.js';
import { BatchNormStatistics, pooledMoments } from '../../src/engine/parallel/batchNormStatistics.js';
import { shardBounds } from '../../src/engine/parallel/shardedGradients.js';
import { shardGradient, threadShardGradients, type ShardInput } from '../../src/engine/parallel/shardGradient.js';
import { ParameterVector } from '../../src/engine/parameterVector.js';
import { expectTensorsClose, type Tolerance } from './tensors.js';

/**
 * Both passes on the same shard: the same hits, loss and gradient (per weight, within `tolerance`
 * of the entry plus `tolerance.atol` times the weight's largest gradient entry, or a tenth of the
 * model's when that is larger), the same batch-norm
 * statistics, and nothing left on the backend. The direct pass must actually run (not fall back),
 * and every weight's gradient must be exercised (not all zero).
 */
export function expectDirectMatchesAutodiff(model: tf.LayersModel, input: ShardInput, indices: Uint32Array, batchSize: number, tolerance: Required<Tolerance>): void {
  const vector = ParameterVector.of(model);
  expect(directNetOf(model, vector)).not.toBeNull();
  const statistics = BatchNormStatistics.of(model);
  const records = [0, 1].map(() => new Float64Array(statistics?.recordLength ?? 0).fill(Number.NaN));
  const recording = (r: number) => (statistics === null ? null : { statistics, record: records[r]! });

  const expected = new Float32Array(vector.size);
  const reference = shardGradient(model, vector, { ...input, autodiffOnly: true }, indices, batchSize, expected, recording(0));
  const actual = new Float32Array(vector.size).fill(Number.NaN); // every entry must be written
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const outcome = shardGradient(model, vector, input, indices, batchSize, actual, recording(1));
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.backend().numDataIds()).toBe(dataIds);

  expect(outcome.correct).toBe(reference.correct);
  expect(outcome.loss).toBeCloseTo(reference.loss, 5);
  // A weight whose gradient cancels to far below the model's (batch norm's γ before a ReLU6, at
  // γ = 1 and β = 0) carries the rounding of its terms, which are of the model's scale.
  const modelScale = Math.max(...expected.map(Math.abs));
  for (const slot of vector.slots) {
    const scale = Math.max(...expected.subarray(slot.offset, slot.offset + slot.size).map(Math.abs));
    expect(scale, slot.name).toBeGreaterThan(0);
    const atol = tolerance.atol * Math.max(scale, modelScale / 10);
    expectTensorsClose(actual.subarray(slot.offset, slot.offset + slot.size), expected.subarray(slot.offset, slot.offset + slot.size), { rtol: tolerance.rtol, atol });
  }
  // Counts, means and variances as TF.js's layers computed them in float32.
  expectTensorsClose(records[1]!, records[0]!, { rtol: 1e-5, atol: 1e-6 });
}

/**
 * The direct pass on `shards` shards of one batch, computed on one thread in lockstep (as
 * ShardedGradients does): its parts summed, against autodiff on the whole batch at once — the
 * same loss, hits and gradient, and the shards' batch-norm records pooled give the statistics
 * TF.js's layers computed over the whole batch. Returns the summed direct gradient.
 */
export function expectShardsMatchWholeBatch(model: tf.LayersModel, input: ShardInput, indices: Uint32Array, shards: number, tolerance: Required<Tolerance>): Float32Array {
  const vector = ParameterVector.of(model);
  expect(directNetOf(model, vector)).not.toBeNull();
  const statistics = BatchNormStatistics.of(model);
  expect(statistics).not.toBeNull();
  const length = statistics!.recordLength;
  const whole = new Float64Array(length);
  const expected = new Float32Array(vector.size);
  const reference = shardGradient(model, vector, { ...input, autodiffOnly: true }, indices, indices.length, expected, { statistics: statistics!, record: whole });

  const bounds = shardBounds(indices.length, shards);
  const parts = { records: bounds.map(() => new Float64Array(length).fill(Number.NaN)), sums: bounds.map(() => new Float64Array(length).fill(Number.NaN)) };
  const outs = bounds.map(() => new Float32Array(vector.size).fill(Number.NaN));
  const jobs = bounds.map((b, s) => ({ shard: s, indices: indices.subarray(b.start, b.start + b.count), out: outs[s]! }));
  let stops = 0;
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const outcomes = threadShardGradients(model, vector, input, jobs, indices.length, { statistics: statistics!, parts, barrier: () => stops++ });
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.backend().numDataIds()).toBe(dataIds);
  const batchNorms = directNetOf(model, vector)!.nodes.filter((n) => n.layer.kind === 'batchNorm').length;
  expect(stops).toBe(2 * batchNorms); // once per batch norm each way

  const actual = new Float32Array(vector.size);
  for (const out of outs) for (let i = 0; i < out.length; i++) actual[i] = actual[i]! + out[i]!;
  expect(outcomes.reduce((n, o) => n + o.correct, 0)).toBe(reference.correct);
  expect(outcomes.reduce((n, o) => n + o.loss, 0)).toBeCloseTo(reference.loss, 5);
  const modelScale = Math.max(...expected.map(Math.abs));
  for (const slot of vector.slots) {
    const scale = Math.max(...expected.subarray(slot.offset, slot.offset + slot.size).map(Math.abs));
    const atol = tolerance.atol * Math.max(scale, modelScale / 10);
    expectTensorsClose(actual.subarray(slot.offset, slot.offset + slot.size), expected.subarray(slot.offset, slot.offset + slot.size), { rtol: tolerance.rtol, atol });
  }
  for (const node of directNetOf(model, vector)!.nodes) {
    if (node.layer.kind !== 'batchNorm') continue;
    const { recordOffset: at, gamma } = node.layer;
    const pooled = pooledMoments(parts.records, at, gamma.size);
    expect(pooled.count, node.layer.name).toBe(whole[at]);
    expectTensorsClose(pooled.mean, whole.subarray(at + 1, at + 1 + gamma.size), { rtol: 1e-5, atol: 1e-6 });
    expectTensorsClose(pooled.variance, whole.subarray(at + 1 + gamma.size, at + 1 + 2 * gamma.size), { rtol: 1e-5, atol: 1e-6 });
  }
  return actual;
}
