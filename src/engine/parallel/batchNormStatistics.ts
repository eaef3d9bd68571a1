/**
 * Batch normalization's moving statistics, learned from the whole batch as Keras's `fit` learns
 * them, although the batch's gradient is computed in shards. TF.js's BatchNormalization updates its
 * moving mean and variance as a side effect of each training-mode forward pass, from that pass's
 * images only: left alone, the main thread's model would learn them from its own shard (one
 * thread: once per shard), and the workers' updates would be lost. Instead each shard records the
 * mean and (biased) variance of every BN layer's input as its pass computes it, the shards' records
 * are pooled in shard order (so the result does not depend on the number of threads), and one
 * update is applied per step the way TF.js applies it:
 *   moving ← moving − (moving − batch) · (1 − momentum)
 * with the batch's biased variance (tf.moments), as TF.js's layer does.
 */
import * as tf from '@tensorflow/tfjs';

interface BatchNormLayer {
  readonly layer: tf.layers.Layer;
  /** The layer's own call (bound), which the recording one wraps during a shard's pass. */
  readonly call: tf.layers.Layer['call'];
  readonly axis: number;
  readonly channels: number;
  readonly momentum: number;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
  /** Where the layer's record starts in a shard's record: [elements per channel, means…, variances…]. */
  readonly offset: number;
}

function movingVariable(layer: tf.layers.Layer, name: string): tf.LayerVariable {
  const found = layer.weights.find((w) => w.originalName.endsWith(`/${name}`));
  if (found === undefined) throw new Error(`internal: batch normalization layer ${layer.name} has no ${name}`);
  return found;
}

/**
 * Where each BatchNormalization layer's values start in a shard's record, in model layer order:
 * [elements per channel, means…, variances…] each. The direct pass (direct/) writes its own
 * records in this layout.
 */
export function batchNormRecordLayout(model: tf.LayersModel): { offsets: Map<tf.layers.Layer, number>; length: number } {
  const offsets = new Map<tf.layers.Layer, number>();
  let length = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    offsets.set(layer, length);
    length += 1 + 2 * movingVariable(layer, 'moving_mean').shape[0]!;
  }
  return { offsets, length };
}

export class BatchNormStatistics {
  private constructor(
    private readonly layers: readonly BatchNormLayer[],
    /** Values in one shard's record. */
    readonly recordLength: number,
  ) {}

  /** The model's BatchNormalization layers (each applied once per pass, as in a Keras model); null when it has none. */
  static of(model: tf.LayersModel): BatchNormStatistics | null {
    const { offsets, length } = batchNormRecordLayout(model);
    const layers = [...offsets].map(([layer, offset]): BatchNormLayer => {
      const config = layer.getConfig() as { axis: number; momentum: number };
      const movingMean = movingVariable(layer, 'moving_mean');
      return { layer, call: layer.call.bind(layer), axis: config.axis, channels: movingMean.shape[0]!, momentum: config.momentum, movingMean, movingVariance: movingVariable(layer, 'moving_variance'), offset };
    });
    return layers.length === 0 ? null : new BatchNormStatistics(layers, length);
  }

  /**
   * Runs one shard's pass (`pass`) and records into `record` the mean and biased variance of each
   * layer's input over the shard (count 0 for a layer the pass did not reach).
   */
  recordDuring<T>(record: Float64Array, pass: () => T): T {
    record.fill(0);
    for (const bn of this.layers) {
      // The layer's call, observed: its input's moments go to the record, then the layer runs as ever.
      bn.layer.call = (inputs, kwargs) => {
        const input = Array.isArray(inputs) ? inputs[0]! : inputs;
        const axis = bn.axis >= 0 ? bn.axis : bn.axis + input.rank;
        const reduced = input.shape.map((_, i) => i).filter((i) => i !== axis);
        const [mean, variance] = tf.tidy(() => {
          const moments = tf.moments(input, reduced);
          return [moments.mean.dataSync(), moments.variance.dataSync()];
        });
        record[bn.offset] = input.size / bn.channels;
        record.set(mean, bn.offset + 1);
        record.set(variance, bn.offset + 1 + bn.channels);
        return bn.call(inputs, kwargs);
      };
    }
    try {
      return pass();
    } finally {
      // The own property goes: the prototype's call is the layer's again.
      for (const bn of this.layers) delete (bn.layer as Partial<Pick<tf.layers.Layer, 'call'>>).call;
    }
  }

  /** The moving statistics as they are now, to update from once the step's shards have run. */
  snapshot(): Float32Array[] {
    return this.layers.flatMap((bn) => [bn.movingMean.read().dataSync() as Float32Array, bn.movingVariance.read().dataSync() as Float32Array]);
  }

  /**
   * One moving-average update from the whole batch: the shards' records pooled (Chan et al.'s
   * parallel variance, in shard order) and applied to the statistics as `before` held them, which
   * undoes whatever the shards' own passes wrote.
   */
  update(before: readonly Float32Array[], records: readonly Float64Array[]): void {
    tf.tidy(() => {
      for (const [l, bn] of this.layers.entries()) {
        const { mean, variance } = pooledMoments(records, bn.offset, bn.channels);
        bn.movingMean.write(tf.tensor1d(movingAverage(before[2 * l]!, mean, bn.momentum)));
        bn.movingVariance.write(tf.tensor1d(movingAverage(before[2 * l + 1]!, variance, bn.momentum)));
      }
    });
  }
}

/**
 * The moments of a layer's input over the whole batch from its shards' records (at `offset`:
 * [count, mean…, biased variance…] of each shard's part), pooled in shard order by Chan et al.'s
 * parallel formula, in float64: the same numbers however many threads computed the shards. A
 * shard of count 0 adds nothing. The direct pass normalises by these (direct/batchNorm.ts), and
 * the moving statistics learn from them (BatchNormStatistics.update).
 */
export function pooledMoments(records: readonly Float64Array[], offset: number, channels: number): { count: number; mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(channels);
  const squares = new Float64Array(channels); // Σ (x − mean)² so far
  let count = 0;
  for (const record of records) {
    const n = record[offset]!;
    if (n === 0) continue;
    const total = count + n;
    for (let c = 0; c < channels; c++) {
      const delta = record[offset + 1 + c]! - mean[c]!;
      mean[c] = mean[c]! + (delta * n) / total;
      squares[c] = squares[c]! + record[offset + 1 + channels + c]! * n + (delta * delta * count * n) / total;
    }
    count = total;
  }
  return { count, mean, variance: squares.map((s) => s / count) };
}

/** TF.js's update in its float32 arithmetic: moving − (moving − batch) · (1 − momentum). */
function movingAverage(moving: Float32Array, batch: Float64Array, momentum: number): Float32Array {
  const decay = Math.fround(1 - momentum);
  return moving.map((m, c) => Math.fround(m - Math.fround(Math.fround(m - Math.fround(batch[c]!)) * decay)));
}
