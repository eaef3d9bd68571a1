/**
 * The direct training pass (src/engine/direct/) against TF.js's autodiff on the same weights and
 * images, as the direct-pass tests use it.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { directNetOf } from '../../src/engine/direct/net.js';
import { BatchNormStatistics } from '../../src/engine/parallel/batchNormStatistics.js';
import { shardGradient, type ShardInput } from '../../src/engine/parallel/shardGradient.js';
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
