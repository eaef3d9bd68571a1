/**
 * A built-in functional model as plain data: its layers in order, each with what it reads and what
 * it is configured with. engine/builtinModels.ts turns one into a TF.js model; describeArchitecture
 * gives the planner its parameters without TF.js, and a test holds the two together.
 */
import { describeParameter, isTrainableParam, layerTypeOf, type LayerDescription, type ModelDescription, type SpatialWindow } from './description.js';

/** One layer of a built-in model; `input` names the layer it reads (`inputs` for a merge). */
export type ArchitectureLayer =
  | { readonly kind: 'input'; readonly name: string; readonly shape: readonly [number, number, number] }
  | {
      readonly kind: 'conv';
      readonly name: string;
      readonly input: string;
      readonly filters: number;
      readonly kernelSize: number;
      readonly strides: number;
    }
  | { readonly kind: 'depthwise'; readonly name: string; readonly input: string; readonly kernelSize: number; readonly strides: number }
  | { readonly kind: 'batch_norm'; readonly name: string; readonly input: string }
  | { readonly kind: 'relu' | 'relu6'; readonly name: string; readonly input: string }
  | { readonly kind: 'add'; readonly name: string; readonly inputs: readonly string[] }
  | { readonly kind: 'global_average_pool'; readonly name: string; readonly input: string }
  | { readonly kind: 'dense'; readonly name: string; readonly input: string; readonly units: number };

export interface Architecture {
  /** The model's name, and the description's source (`builtin:resnet`). */
  readonly name: string;
  readonly layers: readonly ArchitectureLayer[];
}

/** Image shape and class count a built-in model is made for; the recipe's data gives them. */
export interface ModelShape {
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
}

/** The TF.js class each kind becomes (the builder makes exactly these; ReLU6 is Keras's ReLU(6.)). */
export const LAYER_CLASS: Readonly<Record<ArchitectureLayer['kind'], string>> = {
  input: 'InputLayer',
  conv: 'Conv2D',
  depthwise: 'DepthwiseConv2D',
  batch_norm: 'BatchNormalization',
  relu: 'Activation',
  relu6: 'ReLU',
  add: 'Add',
  global_average_pool: 'GlobalAveragePooling2D',
  dense: 'Dense',
};

/** A channel count scaled by a width multiplier, never below one channel. */
export function scaledChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

/** Each layer's weights in TF.js order and layout: convs carry no bias (batch norm's beta is it). */
function weightShapes(layer: ArchitectureLayer, inChannels: number): [string, number[]][] {
  switch (layer.kind) {
    case 'conv':
      return [['kernel', [layer.kernelSize, layer.kernelSize, inChannels, layer.filters]]];
    case 'depthwise':
      return [['depthwise_kernel', [layer.kernelSize, layer.kernelSize, inChannels, 1]]];
    case 'batch_norm':
      return ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((param) => [param, [inChannels]]);
    case 'dense':
      return [['kernel', [inChannels, layer.units]], ['bias', [layer.units]]];
    default:
      return [];
  }
}

function outChannels(layer: ArchitectureLayer, inChannels: number): number {
  switch (layer.kind) {
    case 'input':
      return layer.shape[2];
    case 'conv':
      return layer.filters;
    case 'dense':
      return layer.units;
    default:
      return inChannels;
  }
}

/** Each layer with the channel count of what it reads (0 for the input). */
function withInputChannels(architecture: Architecture): { layer: ArchitectureLayer; inChannels: number }[] {
  const channels = new Map<string, number>();
  return architecture.layers.map((layer) => {
    // An add's inputs all carry the same channels; the first stands for them.
    const read = layer.kind === 'input' ? undefined : layer.kind === 'add' ? layer.inputs[0] : layer.input;
    const inChannels = read === undefined ? 0 : (channels.get(read) ?? 0);
    channels.set(layer.name, outChannels(layer, inChannels));
    return { layer, inChannels };
  });
}

/** The planner's view of an architecture: every layer, with its trained parameters. */
export function describeArchitecture(architecture: Architecture): ModelDescription {
  const layers: LayerDescription[] = withInputChannels(architecture).map(({ layer, inChannels }) => {
    const className = LAYER_CLASS[layer.kind];
    const params = weightShapes(layer, inChannels)
      .filter(([param]) => isTrainableParam(param))
      .map(([param, shape]) => describeParameter(layer.name, className, param, shape));
    // The graph too (channel groups follow it): a residual add reads two layers, not the one before it.
    const inbound = layer.kind === 'input' ? [] : layer.kind === 'add' ? [...layer.inputs] : [layer.input];
    const window = windowOf(layer);
    return { name: layer.name, type: layerTypeOf(className), className, params, inbound, ...(window === null ? {} : { window }) };
  });
  const input = architecture.layers.find((layer) => layer.kind === 'input');
  return { source: `builtin:${architecture.name}`, layers, ...(input?.kind === 'input' ? { inputShape: [...input.shape] } : {}) };
}

/** A conv's window: engine/builtinModels.ts builds every conv with 'same' padding and no dilation. */
function windowOf(layer: ArchitectureLayer): SpatialWindow | null {
  if (layer.kind !== 'conv' && layer.kind !== 'depthwise') return null;
  return { kernel: [layer.kernelSize, layer.kernelSize], strides: [layer.strides, layer.strides], padding: 'same', dilation: [1, 1] };
}

/** The weights every layer holds, trained or not (batch-norm statistics included), in TF.js order. */
export function architectureWeights(architecture: Architecture): { name: string; shape: number[] }[] {
  return withInputChannels(architecture).flatMap(({ layer, inChannels }) =>
    weightShapes(layer, inChannels).map(([param, shape]) => ({ name: `${layer.name}/${param}`, shape })),
  );
}
