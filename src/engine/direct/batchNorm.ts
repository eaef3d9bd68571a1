/**
 * Batch normalization in training mode for the direct pass, over the last axis as plain loops on
 * the heap, in float64 per channel, with the statistics of the whole batch although each shard
 * holds only its part of it (as Keras's `fit` and torch normalise a batch of the same size):
 *
 *   forward   μ, σ² = mean and biased variance of x over the batch (tf.moments, as TF.js's layer)
 *             y = γ·(x − μ)/√(σ² + ε) + β  (then ReLU or ReLU6, when the layer took one in: net.ts)
 *   backward  with x̂ = (x − μ)/√(σ² + ε), over the M values of a channel in the batch:
 *             dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/√(σ² + ε) · (dy − dβ/M − x̂·dγ/M)
 *
 * the full gradient, through μ and σ² too (TF.js's autodiff differentiates tf.moments as well).
 * Each direction is two phases with the batch's other shards in between (shard.ts waits there):
 * a shard first writes its part — [count, mean…, variance…] of its rows into its batch-norm record
 * (the layout of parallel/batchNormStatistics.ts, whose moving-statistics update reads the same
 * records), or Σ dy and Σ dy·(x − μ) into its sums — and, once every shard has, reads all parts,
 * pooled in shard order so that the numbers never depend on which thread computed which shard.
 * dγ and dβ are the shard's own sums: the shards' gradient parts add up to the batch's.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pooledMoments } from '../parallel/batchNormStatistics.js';
import { allocate, infoOf, view, type Info } from './heap.js';
import type { DirectLayer } from './directLayer.js';

type BatchNormLayer = Extract<DirectLayer, { kind: 'batchNorm' }>;

/** The parts of every shard of the batch, in shard order, as each batch-norm layer meets them. */
export interface BatchParts {
  /** Per shard, per layer at its recordOffset: [count, mean…, biased variance…] of the shard's input rows. */
  readonly records: readonly Float64Array[];
  /** Per shard, per layer at its recordOffset: [unused, Σ dy…, Σ dy·(x − μ)…] over the shard's rows. */
  readonly sums: readonly Float64Array[];
}

/** What the backward pass needs of the forward one, per channel. */
export interface BatchNormSaved {
  /** Values per channel in the whole batch. */
  readonly count: number;
  readonly mean: Float64Array;
  /** 1/√(σ² + ε). */
  readonly inverseStd: Float64Array;
  /** z = x·scale + shift is the normalised output before the activation. */
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** The open-closed interval (low, high] where the layer's activation passes z and its gradient. */
function passBand(layer: BatchNormLayer): [number, number] {
  switch (layer.activation) {
    case 'linear':
      return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
    case 'relu':
      return [0, Number.POSITIVE_INFINITY];
    case 'relu6':
      return [0, 6];
  }
}

/** Forward, first phase: the count, mean and biased variance of the shard's rows of x into its `record`. */
export function writeShardMoments(backend: BackendWasm, layer: BatchNormLayer, x: Info, record: Float64Array): void {
  const from = view(backend, x);
  const channels = layer.gamma.size;
  const n = from.length;
  const count = n / channels;
  // Sums of (x − k) and (x − k)², k = the channel's first value: one pass, and no cancellation
  // unless the mean lies many deviations from a value of the channel itself.
  const first = Float64Array.from(from.subarray(0, channels));
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let i = 0; i < n; i += channels) {
    for (let c = 0; c < channels; c++) {
      const d = from[i + c]! - first[c]!;
      sums[c]! += d;
      squares[c]! += d * d;
    }
  }
  const at = layer.recordOffset;
  record[at] = count;
  for (let c = 0; c < channels; c++) {
    const offset = sums[c]! / count;
    record[at + 1 + c] = first[c]! + offset;
    record[at + 1 + channels + c] = Math.max(0, squares[c]! / count - offset * offset);
  }
}

/** Forward, second phase (every shard's moments written): the shard's rows normalised by the batch's statistics. */
export function batchNormForward(backend: BackendWasm, layer: BatchNormLayer, x: Info, parts: BatchParts, owned: Info[]): { output: Info; saved: BatchNormSaved } {
  const output = allocate(backend, x.shape, owned);
  const from = view(backend, x);
  const to = view(backend, output);
  const gamma = view(backend, infoOf(layer.gamma));
  const beta = view(backend, infoOf(layer.beta));
  const channels = gamma.length;
  const n = from.length;
  const { count, mean, variance } = pooledMoments(parts.records, layer.recordOffset, channels);
  const inverseStd = new Float64Array(channels);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    inverseStd[c] = 1 / Math.sqrt(variance[c]! + layer.epsilon);
    scale[c] = gamma[c]! * inverseStd[c]!;
    shift[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  const [low, high] = passBand(layer);
  if (layer.activation === 'linear') {
    for (let i = 0; i < n; i += channels) for (let c = 0; c < channels; c++) to[i + c] = from[i + c]! * scale[c]! + shift[c]!;
  } else {
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) {
        const z = from[i + c]! * scale[c]! + shift[c]!;
        to[i + c] = z > low ? (z <= high ? z : high) : 0;
      }
    }
  }
  return { output, saved: { count, mean, inverseStd, scale, shift } };
}

/**
 * Backward, first phase, through the layer's activation first (dy where low < z ≤ high, else 0, z
 * recomputed from x as the forward pass computed it): the shard's Σ dy and Σ dy·(x − μ) into its
 * `sums`, and from them its parts of dγ and dβ into `out`.
 */
export function writeShardSums(backend: BackendWasm, layer: BatchNormLayer, x: Info, saved: BatchNormSaved, dA: Info, sums: Float64Array, out: Float32Array): void {
  const from = view(backend, x);
  const dy = view(backend, dA);
  const { mean, inverseStd, scale, shift } = saved;
  const channels = mean.length;
  const n = dy.length;
  const sumDy = new Float64Array(channels);
  const sumDyX = new Float64Array(channels); // Σ dy·(x − μ)
  if (layer.activation === 'linear') {
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) {
        const g = dy[i + c]!;
        sumDy[c]! += g;
        sumDyX[c]! += g * (from[i + c]! - mean[c]!);
      }
    }
  } else {
    const [low, high] = passBand(layer);
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) {
        const v = from[i + c]!;
        const z = v * scale[c]! + shift[c]!;
        if (!(z > low && z <= high)) continue;
        const g = dy[i + c]!;
        sumDy[c]! += g;
        sumDyX[c]! += g * (v - mean[c]!);
      }
    }
  }
  const at = layer.recordOffset;
  sums.set(sumDy, at + 1);
  sums.set(sumDyX, at + 1 + channels);
  const dGamma = out.subarray(layer.gamma.offset, layer.gamma.offset + channels);
  const dBeta = out.subarray(layer.beta.offset, layer.beta.offset + channels);
  for (let c = 0; c < channels; c++) {
    dGamma[c] = sumDyX[c]! * inverseStd[c]!;
    dBeta[c] = sumDy[c]!;
  }
}

/**
 * Backward, second phase (every shard's sums written): the input gradient of the shard's rows from
 * the batch's sums, into dA itself when `inPlace` (the caller's to change; else a new buffer).
 */
export function batchNormInputGradient(backend: BackendWasm, layer: BatchNormLayer, x: Info, saved: BatchNormSaved, dA: Info, parts: BatchParts, inPlace: boolean, owned: Info[]): Info {
  const dX = inPlace ? dA : allocate(backend, x.shape, owned);
  const { count, mean, inverseStd, scale, shift } = saved;
  const channels = mean.length;
  const at = layer.recordOffset;
  const sumDy = new Float64Array(channels);
  const sumDyX = new Float64Array(channels);
  for (const sums of parts.sums) {
    for (let c = 0; c < channels; c++) {
      sumDy[c]! += sums[at + 1 + c]!;
      sumDyX[c]! += sums[at + 1 + channels + c]!;
    }
  }
  const gamma = view(backend, infoOf(layer.gamma));
  // dx = a·dy − b·x + k per channel: a = γ/σ̂, b = a·dγ/(σ̂·M) (σ̂ = √(σ² + ε)), k = b·μ − a·dβ/M.
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  const k = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    a[c] = gamma[c]! * inverseStd[c]!;
    b[c] = (a[c]! * sumDyX[c]! * inverseStd[c]! * inverseStd[c]!) / count;
    k[c] = b[c]! * mean[c]! - (a[c]! * sumDy[c]!) / count;
  }
  const from = view(backend, x);
  const dy = view(backend, dA);
  const to = view(backend, dX);
  const n = dy.length;
  if (layer.activation === 'linear') {
    for (let i = 0; i < n; i += channels) for (let c = 0; c < channels; c++) to[i + c] = a[c]! * dy[i + c]! - b[c]! * from[i + c]! + k[c]!;
  } else {
    const [low, high] = passBand(layer);
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) {
        const v = from[i + c]!;
        const z = v * scale[c]! + shift[c]!;
        to[i + c] = (z > low && z <= high ? a[c]! * dy[i + c]! : 0) - b[c]! * v + k[c]!;
      }
    }
  }
  return dX;
}
