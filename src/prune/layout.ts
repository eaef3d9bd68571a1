/**
 * torch ↔ TF.js weight layouts. Recipes ported from torch and torch's masks are laid out
 * [out, in, kh, kw] (conv2d) and [out, in] (linear); TF.js keeps a conv2d kernel as
 * [kh, kw, in, out] and a dense kernel as [in, out]. Values and masks are converted with the same
 * permutation, and torch's structured `dim` maps to a TF.js axis.
 */
import { PruneError } from '../errors.js';
import { elementCount } from './checks.js';

export type WeightLayout = 'conv2d' | 'dense';
export const WEIGHT_LAYOUTS: readonly WeightLayout[] = ['conv2d', 'dense'];

/** perm[j] = the torch axis that becomes TF.js axis j. */
const TORCH_TO_TFJS: Record<WeightLayout, readonly number[]> = {
  conv2d: [2, 3, 1, 0], // [out, in, kh, kw] → [kh, kw, in, out]
  dense: [1, 0], // [out, in] → [in, out]
};

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, j) => (inv[p] = j));
  return inv;
}

export interface Laid<T> {
  values: T;
  shape: number[];
}

/**
 * Transposes a row-major tensor: output axis j is input axis perm[j] (numpy's transpose).
 * Walks the output in order with an odometer over the input strides, so no index arrays.
 */
export function permute(values: Float32Array, shape: readonly number[], perm: readonly number[]): Laid<Float32Array>;
export function permute(values: Uint8Array, shape: readonly number[], perm: readonly number[]): Laid<Uint8Array>;
export function permute(
  values: Float32Array | Uint8Array,
  shape: readonly number[],
  perm: readonly number[],
): Laid<Float32Array | Uint8Array> {
  const rank = shape.length;
  const n = elementCount(shape);
  if (values.length !== n) {
    throw new PruneError('PRUNE_SHAPE_MISMATCH', `shape [${shape.join(', ')}] has ${String(n)} entries, got ${String(values.length)}`);
  }
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new PruneError('PRUNE_SHAPE_MISMATCH', `[${perm.join(', ')}] is not a permutation of ${String(rank)} axes`);
  }
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const stride = perm.map((p) => inStrides[p]!); // input step per output axis
  const out = values instanceof Float32Array ? new Float32Array(n) : new Uint8Array(n);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let k = 0; k < n; k++) {
    out[k] = values[src]!;
    for (let j = rank - 1; j >= 0; j--) {
      idx[j]!++;
      src += stride[j]!;
      if (idx[j]! < outShape[j]!) break;
      src -= stride[j]! * outShape[j]!;
      idx[j] = 0;
    }
  }
  return { values: out, shape: outShape };
}

function checkRank(layout: WeightLayout, shape: readonly number[]): void {
  const rank = TORCH_TO_TFJS[layout].length;
  if (shape.length !== rank) {
    throw new PruneError('PRUNE_SHAPE_MISMATCH', `a ${layout} weight has rank ${String(rank)}, got shape [${shape.join(', ')}]`);
  }
}

/** torch layout → TF.js layout (conv2d [out,in,kh,kw] → [kh,kw,in,out]; dense [out,in] → [in,out]). */
export function torchToTfjs(layout: WeightLayout, values: Float32Array, torchShape: readonly number[]): Laid<Float32Array>;
export function torchToTfjs(layout: WeightLayout, values: Uint8Array, torchShape: readonly number[]): Laid<Uint8Array>;
export function torchToTfjs(
  layout: WeightLayout,
  values: Float32Array | Uint8Array,
  torchShape: readonly number[],
): Laid<Float32Array | Uint8Array> {
  checkRank(layout, torchShape);
  const perm = TORCH_TO_TFJS[layout];
  return values instanceof Float32Array ? permute(values, torchShape, perm) : permute(values, torchShape, perm);
}

/** TF.js layout → torch layout (the inverse of torchToTfjs). */
export function tfjsToTorch(layout: WeightLayout, values: Float32Array, tfjsShape: readonly number[]): Laid<Float32Array>;
export function tfjsToTorch(layout: WeightLayout, values: Uint8Array, tfjsShape: readonly number[]): Laid<Uint8Array>;
export function tfjsToTorch(
  layout: WeightLayout,
  values: Float32Array | Uint8Array,
  tfjsShape: readonly number[],
): Laid<Float32Array | Uint8Array> {
  checkRank(layout, tfjsShape);
  const perm = inverse(TORCH_TO_TFJS[layout]);
  return values instanceof Float32Array ? permute(values, tfjsShape, perm) : permute(values, tfjsShape, perm);
}

/**
 * The TF.js axis holding torch's `dim` (negative dims count from the end, as in torch), for
 * porting ln_structured / random_structured: conv2d dim 0 (out) → axis 3, dim 1 (in) → axis 2;
 * dense dim 0 (out) → axis 1, dim 1 (in) → axis 0.
 */
export function torchDimToTfjsAxis(layout: WeightLayout, dim: number): number {
  const perm = TORCH_TO_TFJS[layout];
  const d = dim < 0 ? perm.length + dim : dim;
  const axis = perm.indexOf(d);
  if (!Number.isInteger(dim) || axis < 0) {
    throw new PruneError('PRUNE_AXIS_INVALID', `dim ${String(dim)} is out of range for a ${layout} weight (rank ${String(perm.length)})`);
  }
  return axis;
}
