/**
 * Batch normalization in training mode for the direct pass, over the last axis as plain loops on
 * the heap, in float64 per channel:
 *
 *   forward   μ, σ² = mean and biased variance of x over the shard (tf.moments, as TF.js's layer)
 *             y = γ·(x − μ)/√(σ² + ε) + β  (then ReLU or ReLU6, when the layer took one in: net.ts)
 *   backward  with x̂ = (x − μ)/√(σ² + ε), over the M values of a channel:
 *             dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/√(σ² + ε) · (dy − dβ/M − x̂·dγ/M)
 *
 * the full gradient, through μ and σ² too (TF.js's autodiff differentiates tf.moments as well).
 * The forward pass writes [M, μ…, σ²…] into the shard's batch-norm record, from which the moving
 * statistics are updated once per step (parallel/batchNormStatistics.ts); it never touches the
 * moving statistics itself.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, infoOf, view, type Info } from './heap.js';
import type { DirectLayer } from './directLayer.js';

type BatchNormLayer = Extract<DirectLayer, { kind: 'batchNorm' }>;

/** What the backward pass needs of the forward one, per channel. */
export interface BatchNormSaved {
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

export function batchNormForward(backend: BackendWasm, layer: BatchNormLayer, x: Info, record: Float64Array | null, owned: Info[]): { output: Info; saved: BatchNormSaved } {
  const output = allocate(backend, x.shape, owned);
  const from = view(backend, x);
  const to = view(backend, output);
  const gamma = view(backend, infoOf(layer.gamma));
  const beta = view(backend, infoOf(layer.beta));
  const channels = gamma.length;
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
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  const inverseStd = new Float64Array(channels);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const offset = sums[c]! / count;
    mean[c] = first[c]! + offset;
    variance[c] = Math.max(0, squares[c]! / count - offset * offset);
    inverseStd[c] = 1 / Math.sqrt(variance[c]! + layer.epsilon);
    scale[c] = gamma[c]! * inverseStd[c]!;
    shift[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  const [low, high] = passBand(layer);
  for (let i = 0; i < n; i += channels) {
    for (let c = 0; c < channels; c++) {
      const z = from[i + c]! * scale[c]! + shift[c]!;
      to[i + c] = z > low ? (z <= high ? z : high) : 0;
    }
  }
  if (record !== null) {
    record[layer.recordOffset] = count;
    record.set(mean, layer.recordOffset + 1);
    record.set(variance, layer.recordOffset + 1 + channels);
  }
  return { output, saved: { mean, inverseStd, scale, shift } };
}

/**
 * Back through the layer (its activation's gradient first: dy where low < z ≤ high, else 0, z
 * recomputed from x as the forward pass computed it): dγ and dβ into `out`, and the input gradient
 * (into dA itself when `inPlace`, the caller's to change; else a new buffer), or null when not needed.
 */
export function batchNormBackward(
  backend: BackendWasm,
  layer: BatchNormLayer,
  x: Info,
  saved: BatchNormSaved,
  dA: Info,
  inPlace: boolean,
  needInput: boolean,
  out: Float32Array,
  owned: Info[],
): Info | null {
  const dX = needInput && !inPlace ? allocate(backend, x.shape, owned) : dA;
  const from = view(backend, x);
  const dy = view(backend, dA);
  const gamma = view(backend, infoOf(layer.gamma));
  const { mean, inverseStd, scale, shift } = saved;
  const [low, high] = passBand(layer);
  const channels = gamma.length;
  const n = dy.length;
  const count = n / channels;
  const sumDy = new Float64Array(channels);
  const sumDyX = new Float64Array(channels); // Σ dy·(x − μ)
  for (let i = 0; i < n; i += channels) {
    for (let c = 0; c < channels; c++) {
      const v = from[i + c]!;
      const z = v * scale[c]! + shift[c]!;
      const g = z > low && z <= high ? dy[i + c]! : 0;
      sumDy[c]! += g;
      sumDyX[c]! += g * (v - mean[c]!);
    }
  }
  const dGamma = out.subarray(layer.gamma.offset, layer.gamma.offset + channels);
  const dBeta = out.subarray(layer.beta.offset, layer.beta.offset + channels);
  for (let c = 0; c < channels; c++) {
    dGamma[c] = sumDyX[c]! * inverseStd[c]!;
    dBeta[c] = sumDy[c]!;
  }
  if (!needInput) return null;
  // dx = a·dy − b·x + k per channel: a = γ/σ̂, b = a·dγ/(σ̂·M) (σ̂ = √(σ² + ε)), k = b·μ − a·dβ/M.
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  const k = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    a[c] = gamma[c]! * inverseStd[c]!;
    b[c] = (a[c]! * sumDyX[c]! * inverseStd[c]! * inverseStd[c]!) / count;
    k[c] = b[c]! * mean[c]! - (a[c]! * sumDy[c]!) / count;
  }
  const to = view(backend, dX);
  for (let i = 0; i < n; i += channels) {
    for (let c = 0; c < channels; c++) {
      const v = from[i + c]!;
      const z = v * scale[c]! + shift[c]!;
      to[i + c] = (z > low && z <= high ? a[c]! * dy[i + c]! : 0) - b[c]! * v + k[c]!;
    }
  }
  return dX;
}
