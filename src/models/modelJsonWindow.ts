/**
 * The spatial facts a model.json's layer configs hold, for MACs: each windowed layer's kernel,
 * strides, padding and dilation, and the model's input shape. Keras writes sizes as lists
 * ([3, 3]) and TF.js sometimes as one number; a channels_first layer gets no window, so its MACs
 * read as unknown rather than wrong.
 */
import type { SpatialWindow } from './description.js';

/** Classes whose output height and width come from a window, and the config key of its size. */
const WINDOW_KEYS: Readonly<Record<string, string>> = {
  Conv2D: 'kernel_size',
  DepthwiseConv2D: 'kernel_size',
  SeparableConv2D: 'kernel_size',
  MaxPooling2D: 'pool_size',
  AveragePooling2D: 'pool_size',
};

function pair(value: unknown): [number, number] | null {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v > 0)) {
    return [value[0] as number, value[1] as number];
  }
  return null;
}

export function windowOf(className: string, config: Record<string, unknown>): SpatialWindow | null {
  const key = WINDOW_KEYS[className];
  if (key === undefined || config.data_format === 'channels_first') return null;
  const kernel = pair(config[key]);
  // Pooling's strides default to its pool size (Keras and TF.js alike); a conv's to 1.
  const strides = config.strides === undefined || config.strides === null ? (key === 'pool_size' ? kernel : [1, 1] as [number, number]) : pair(config.strides);
  const dilation = config.dilation_rate === undefined ? [1, 1] as [number, number] : pair(config.dilation_rate);
  const padding = config.padding ?? 'valid';
  if (kernel === null || strides === null || dilation === null || (padding !== 'same' && padding !== 'valid')) return null;
  return { kernel, strides, padding, dilation };
}

/** The input shape without the batch axis, from the first config that states a batch_input_shape. */
export function inputShapeOf(configs: readonly Record<string, unknown>[]): number[] | null {
  for (const config of configs) {
    const shape = config.batch_input_shape ?? config.batch_shape;
    if (!Array.isArray(shape)) continue;
    const dims = shape.slice(1);
    return dims.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0) ? (dims as number[]) : null;
  }
  return null;
}

/** A ZeroPadding2D's [[top, bottom], [left, right]] from its config (one number, one per axis, or one per side). */
export function zeroPaddingOf(className: string, config: Record<string, unknown>): [[number, number], [number, number]] | null {
  if (className !== 'ZeroPadding2D' || config.data_format === 'channels_first') return null;
  const padding = config.padding ?? 1;
  const side = (value: unknown): [number, number] | null => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return [value, value];
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) return [value[0] as number, value[1] as number];
    return null;
  };
  if (typeof padding === 'number') return side(padding) === null ? null : [side(padding)!, side(padding)!];
  if (!Array.isArray(padding) || padding.length !== 2) return null;
  const [rows, cols] = [side(padding[0]), side(padding[1])];
  return rows === null || cols === null ? null : [rows, cols];
}
