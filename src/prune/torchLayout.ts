/**
 * A parameter's values in torch's layout and back, the one place that knows every difference
 * between the two: the axis order of conv and dense kernels (layout.ts), a depthwise kernel's
 * [in·mult, 1, kh, kw], and the flatten order. TF.js flattens a [h, w, c] feature map in (h, w, c)
 * order and torch flattens [c, h, w] in (c, h, w) order, so the input rows of a dense kernel that
 * reads a flatten are not only transposed but reordered: TF.js row (y·w + x)·c + k is torch column
 * (k·h + y)·w + x. Masks for torch users (masks.torch.safetensors) and torch-layout masks read by a
 * recipe both go through here.
 */
import { PruneError } from '../errors.js';
import { permute, tfjsToTorch, torchToTfjs, type Laid, type WeightLayout } from './layout.js';

/**
 * How a parameter is laid out in torch: a conv2d or dense kernel (layout.ts), a depthwise kernel
 * (TF.js [kh, kw, in, mult], torch [in·mult, 1, kh, kw]), or `same` (vectors: biases, batch norm).
 */
export type TorchLayoutKind = WeightLayout | 'depthwise' | 'same';

/** What torch's side adds to the kind: the feature map a dense kernel's inputs were flattened from. */
export interface TorchLayoutInfo {
  /** [height, width, channels] of the flattened feature map (TorchParameter.flattenedFrom). */
  readonly flattenedFrom?: readonly [number, number, number] | undefined;
  /** A depthwise kernel's channel multiplier, which torch's [in·mult, 1, kh, kw] does not say. */
  readonly depthMultiplier?: number | undefined;
}

type Values = Float32Array | Uint8Array;

function fail(message: string): never {
  throw new PruneError('PRUNE_SHAPE_MISMATCH', message);
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** A dense kernel's inputs [in] seen as the [h, w, c] map they were flattened from (checked). */
function flattenedShape(inputs: number, info: TorchLayoutInfo): readonly [number, number, number] | null {
  const from = info.flattenedFrom;
  if (from === undefined) return null;
  if (from[0] * from[1] * from[2] !== inputs) {
    fail(`a dense kernel of ${String(inputs)} inputs cannot read a flatten of [${from.join(', ')}] (${String(from[0] * from[1] * from[2])} features)`);
  }
  return from;
}

function permuted<T extends Values>(values: T, shape: readonly number[], perm: readonly number[]): Laid<T> {
  return (values instanceof Float32Array ? permute(values, shape, perm) : permute(values, shape, perm)) as Laid<T>;
}

/** TF.js layout → torch layout. */
export function toTorchLayout<T extends Values>(kind: TorchLayoutKind, values: T, tfjsShape: readonly number[], info: TorchLayoutInfo = {}): Laid<T> {
  switch (kind) {
    case 'same':
      return { values: values.slice() as T, shape: [...tfjsShape] };
    case 'conv2d':
      return (values instanceof Float32Array ? tfjsToTorch(kind, values, tfjsShape) : tfjsToTorch(kind, values, tfjsShape)) as Laid<T>;
    case 'depthwise': {
      if (tfjsShape.length !== 4) fail(`a depthwise kernel has rank 4, got shape ${shapeText(tfjsShape)}`);
      const [kh, kw, inputs, mult] = tfjsShape as [number, number, number, number];
      // [kh, kw, in, mult] → [in, mult, kh, kw]: torch's output channel in·mult + m, one input each.
      return { values: permuted(values, tfjsShape, [2, 3, 0, 1]).values, shape: [inputs * mult, 1, kh, kw] };
    }
    case 'dense': {
      if (tfjsShape.length !== 2) fail(`a dense weight has rank 2, got shape ${shapeText(tfjsShape)}`);
      const [inputs, out] = tfjsShape as [number, number];
      const from = flattenedShape(inputs, info);
      if (from === null) return (values instanceof Float32Array ? tfjsToTorch(kind, values, tfjsShape) : tfjsToTorch(kind, values, tfjsShape)) as Laid<T>;
      // [h, w, c, out] → [out, c, h, w], read as torch's [out, c·h·w].
      const [h, w, c] = from;
      return { values: permuted(values, [h, w, c, out], [3, 2, 0, 1]).values, shape: [out, inputs] };
    }
  }
}

/** torch layout → TF.js layout (the inverse of toTorchLayout). */
export function fromTorchLayout<T extends Values>(kind: TorchLayoutKind, values: T, torchShape: readonly number[], info: TorchLayoutInfo = {}): Laid<T> {
  switch (kind) {
    case 'same':
      return { values: values.slice() as T, shape: [...torchShape] };
    case 'conv2d':
      return (values instanceof Float32Array ? torchToTfjs(kind, values, torchShape) : torchToTfjs(kind, values, torchShape)) as Laid<T>;
    case 'depthwise': {
      const multiplier = info.depthMultiplier;
      const [channels, one, kh, kw] = torchShape as [number, number, number, number];
      if (multiplier === undefined) fail('a depthwise kernel in torch layout needs its depth multiplier to be read back');
      if (torchShape.length !== 4 || one !== 1 || channels % multiplier !== 0) {
        fail(`a depthwise kernel with multiplier ${String(multiplier)} has torch shape [in·${String(multiplier)}, 1, kh, kw], got ${shapeText(torchShape)}`);
      }
      const inputs = channels / multiplier;
      return { values: permuted(values, [inputs, multiplier, kh, kw], [2, 3, 0, 1]).values, shape: [kh, kw, inputs, multiplier] };
    }
    case 'dense': {
      if (torchShape.length !== 2) fail(`a dense weight has rank 2, got shape ${shapeText(torchShape)}`);
      const [out, inputs] = torchShape as [number, number];
      const from = flattenedShape(inputs, info);
      if (from === null) return (values instanceof Float32Array ? torchToTfjs(kind, values, torchShape) : torchToTfjs(kind, values, torchShape)) as Laid<T>;
      const [h, w, c] = from;
      // [out, c, h, w] → [h, w, c, out], read as TF.js's [h·w·c, out].
      return { values: permuted(values, [out, c, h, w], [2, 3, 1, 0]).values, shape: [inputs, out] };
    }
  }
}
