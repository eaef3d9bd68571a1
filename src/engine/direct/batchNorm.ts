/**
 * Batch normalization in training mode for the direct pass, over the last axis as plain loops on
 * the heap, in float64 per channel:
 *
 *   forward   μ, σ² = mean and biased variance of x over the shard (tf.moments, as TF.js's layer)
 *             y = γ·(x − μ)/√(σ² + ε) + β
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
  const mean = new Float64Array(channels);
  for (let i = 0; i < n; i += channels) for (let c = 0; c < channels; c++) mean[c]! += from[i + c]!;
  for (let c = 0; c < channels; c++) mean[c] = mean[c]! / count;
  // Two passes (mean, then squared deviations): no cancellation whatever the mean.
  const variance = new Float64Array(channels);
  for (let i = 0; i < n; i += channels) {
    for (let c = 0; c < channels; c++) {
      const d = from[i + c]! - mean[c]!;
      variance[c]! += d * d;
    }
  }
  const inverseStd = new Float64Array(channels);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    variance[c] = variance[c]! / count;
    inverseStd[c] = 1 / Math.sqrt(variance[c]! + layer.epsilon);
    scale[c] = gamma[c]! * inverseStd[c]!;
    shift[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  for (let i = 0; i < n; i += channels) for (let c = 0; c < channels; c++) to[i + c] = from[i + c]! * scale[c]! + shift[c]!;
  if (record !== null) {
    record[layer.recordOffset] = count;
    record.set(mean, layer.recordOffset + 1);
    record.set(variance, layer.recordOffset + 1 + channels);
  }
  return { output, saved: { mean, inverseStd } };
}

/**
 * Back through the layer: dγ and dβ into `out`, and the input gradient (into dA itself when
 * `inPlace`, the caller's to change; else a new buffer), or null when not needed.
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
  const { mean, inverseStd } = saved;
  const channels = gamma.length;
  const n = dy.length;
  const count = n / channels;
  const sumDy = new Float64Array(channels);
  const sumDyX = new Float64Array(channels); // Σ dy·(x − μ)
  for (let i = 0; i < n; i += channels) {
    for (let c = 0; c < channels; c++) {
      const g = dy[i + c]!;
      sumDy[c]! += g;
      sumDyX[c]! += g * (from[i + c]! - mean[c]!);
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
  for (let i = 0; i < n; i += channels) for (let c = 0; c < channels; c++) to[i + c] = a[c]! * dy[i + c]! - b[c]! * from[i + c]! + k[c]!;
  return dX;
}
