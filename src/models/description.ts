/**
 * What the planner needs to know about a model, without TF.js: its layers, their types and
 * their trainable parameters with shapes (in TF.js layout). Built from a LayersModel's model.json
 * or, for built-in models, from static data that a test checks against the real TF.js model.
 */

import type { SourceLocation } from '../errors.js';
import type { TorchNames } from './torchNames.js';

/**
 * A model read from a file, as a recipe names it: a TF.js model.json (`model.path`) or an ONNX
 * file (`model.onnx`); `at` is where the recipe writes it. The readers (modelFolder.ts,
 * onnx/describe.ts) take this object and read `path` themselves, and the description of such a
 * model names it as its `source`.
 */
export interface ModelFile {
  readonly kind: 'path' | 'onnx';
  readonly path: string;
  readonly at: SourceLocation;
}

export interface ParameterDescription {
  /** TF.js weight name, e.g. `conv1/kernel`. Masks and reports use it. */
  readonly name: string;
  readonly layer: string;
  /** Snake case of the TF.js class name: Conv2D → conv2d, Dense → dense. */
  readonly layerType: string;
  /** The part of the weight name after the layer: kernel, bias, gamma, ... */
  readonly param: string;
  readonly shape: readonly number[];
  readonly size: number;
}

export interface LayerDescription {
  readonly name: string;
  readonly type: string;
  readonly className: string;
  readonly params: readonly ParameterDescription[];
  /**
   * The layers whose outputs this one reads, in input order ([] for an input layer or a
   * Sequential's first layer). Absent when the description has no graph: each layer then reads
   * the one listed before it, as in a Sequential. Channel groups follow these edges.
   */
  readonly inbound?: readonly string[];
  /**
   * The spatial window of a conv, depthwise conv or pooling layer (what its output's height and
   * width come from); absent for layers without one or when the source does not say.
   */
  readonly window?: SpatialWindow;
  /** A ZeroPadding2D's rows and columns added: [[top, bottom], [left, right]]. */
  readonly zeroPadding?: readonly [readonly [number, number], readonly [number, number]];
}

/** How a windowed layer maps its input's height and width to its output's (TF.js's rules). */
export interface SpatialWindow {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
  readonly dilation: readonly [number, number];
}

export interface ModelDescription {
  /** Where the description came from: `builtin:lenet` or the model.json path. */
  readonly source: string;
  readonly layers: readonly LayerDescription[];
  /** The layers whose outputs the model returns; absent: the last layer listed. */
  readonly outputs?: readonly string[];
  /** Its parameters' names and layouts in torch, where the model has a torch counterpart. */
  readonly torch?: TorchNames;
  /** The input's shape without the batch axis ([28, 28, 1]), when known: MACs need the spatial sizes. */
  readonly inputShape?: readonly number[];
}

/** Conv2D → conv2d, DepthwiseConv2D → depthwise_conv2d, BatchNormalization → batch_normalization. */
export function layerTypeOf(className: string): string {
  return className
    .replace(/([a-z0-9])([A-Z])(?=[a-z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Weights that exist in a TF.js model but are not trained parameters (batch-norm statistics).
 * torch keeps these as buffers, not parameters, and never prunes them; neither do we.
 */
const NON_TRAINABLE_PARAMS = new Set(['moving_mean', 'moving_variance']);

export function isTrainableParam(param: string): boolean {
  return !NON_TRAINABLE_PARAMS.has(param);
}

export function describeParameter(
  layer: string,
  className: string,
  param: string,
  shape: readonly number[],
): ParameterDescription {
  return {
    name: `${layer}/${param}`,
    layer,
    layerType: layerTypeOf(className),
    param,
    shape: [...shape],
    size: shape.reduce((a, b) => a * b, 1),
  };
}

export function allParameters(model: ModelDescription): ParameterDescription[] {
  return model.layers.flatMap((layer) => [...layer.params]);
}
