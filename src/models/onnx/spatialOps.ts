/**
 * The ops on feature maps: Conv (plain, grouped as depthwise), BatchNormalization, MaxPool,
 * AveragePool, Pad, and the global means (GlobalAveragePool, ReduceMean over the spatial axes).
 * ONNX pads each side on its own; TF.js has 'valid' and 'same' (which pads the bottom and right
 * more when the total is odd). Pads that are one of the two become it; others become a
 * ZeroPadding2D before a 'valid' layer, where zeros are what torch pads with.
 */
import { fromTorchLayout } from '../../prune/torchLayout.js';
import type { TorchParameter } from '../torchNames.js';
import { modulePathOf } from './names.js';
import type { Conversion, LayerValue } from './values.js';

type MapValue = Extract<LayerValue, { kind: 'map' }>;

const CHANNELS_LAST = { data_format: 'channels_last' };

function mapInput(conversion: Conversion, index = 0): MapValue {
  const input = conversion.layerInput(index);
  if (input.kind !== 'map') conversion.fail(`reads a vector, not a feature map [N, C, H, W]`);
  return input;
}

/** TF.js 'same' padding's [before, after] on one axis. */
function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const extent = (kernel - 1) * dilation + 1;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + extent - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

interface Window {
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  /** ONNX order: [top, left, bottom, right]. */
  readonly pads: [number, number, number, number];
}

function pairOf(conversion: Conversion, name: string, fallback: readonly number[]): [number, number] {
  const value = conversion.attribute(name, 'ints', fallback);
  if (value.length !== 2) conversion.fail(`${name} [${value.join(', ')}] is not 2-D; only 2-D convolutions and pools are imported`);
  return [value[0]!, value[1]!];
}

function windowOf(conversion: Conversion, kernel: [number, number]): Window {
  const autoPad = conversion.attribute('auto_pad', 'string', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') conversion.fail(`auto_pad ${autoPad} is not imported (torch writes explicit pads)`);
  const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : conversion.attribute('pads', 'ints', [0, 0, 0, 0]);
  if (pads.length !== 4) conversion.fail(`pads [${pads.join(', ')}] are not 2-D`);
  return {
    kernel,
    strides: pairOf(conversion, 'strides', [1, 1]),
    dilations: pairOf(conversion, 'dilations', [1, 1]),
    pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!],
  };
}

/** 'valid', 'same', or 'explicit': pads TF.js has no name for. */
function paddingOf(input: MapValue, window: Window): 'valid' | 'same' | 'explicit' {
  const [top, left, bottom, right] = window.pads;
  if (top === 0 && left === 0 && bottom === 0 && right === 0) return 'valid';
  const [sameTop, sameBottom] = samePads(input.h, window.kernel[0], window.strides[0], window.dilations[0]);
  const [sameLeft, sameRight] = samePads(input.w, window.kernel[1], window.strides[1], window.dilations[1]);
  if (top === sameTop && bottom === sameBottom && left === sameLeft && right === sameRight) return 'same';
  return 'explicit';
}

function outputSize(size: number, before: number, after: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor((size + before + after - ((kernel - 1) * dilation + 1)) / stride) + 1;
}

/**
 * How an op's pads may be imported. `zeros` (a conv: the pads are zeros it multiplies) takes
 * TF.js's 'same' where it pads alike and a ZeroPadding2D otherwise; `in-bounds` (an average pool
 * without count_include_pad) takes only 'same', which skips the padded positions as torch does;
 * `max` (a max pool, whose torch pads are -∞) the same, or zeros on an input known to be ≥ 0 (after
 * a ReLU, as in ResNet's stem); `always-zeros` (an average pool that counts the pads, which
 * TF.js's 'same' does not) a ZeroPadding2D whenever there are pads.
 */
type PadRule = 'zeros' | 'in-bounds' | 'max' | 'always-zeros';

/** The layer's input and padding mode after any ZeroPadding2D it needs (added here). */
function padded(conversion: Conversion, input: MapValue, window: Window, rule: PadRule, module: string | null = null): { input: MapValue; padding: 'valid' | 'same' } {
  const found = paddingOf(input, window);
  if (found === 'valid' || (found === 'same' && rule !== 'always-zeros')) return { input, padding: found };
  const [top, left, bottom, right] = window.pads;
  const padding: [[number, number], [number, number]] = [[top, bottom], [left, right]];
  if (rule === 'in-bounds' || (rule === 'max' && input.nonNegative !== true)) conversion.fail(`pads [${window.pads.join(', ')}] are neither TF.js's 'valid' nor its 'same' on a ${String(input.h)}×${String(input.w)} input, and padding with zeros would change this op's result`);
  const layer = conversion.addLayer('ZeroPadding2D', { padding, ...CHANNELS_LAST }, [input], { module, suffix: 'pad' });
  return { input: { kind: 'map', layer, h: input.h + top + bottom, w: input.w + left + right, c: input.c, nonNegative: input.nonNegative === true }, padding: 'valid' };
}

/** The output of a window over `input` with its ONNX pads (whether TF.js pads or a ZeroPadding2D does). */
function spatialOutput(conversion: Conversion, layer: string, input: MapValue, window: Window, c: number): MapValue {
  const [top, left, bottom, right] = window.pads;
  const h = outputSize(input.h, top, bottom, window.kernel[0], window.strides[0], window.dilations[0]);
  const w = outputSize(input.w, left, right, window.kernel[1], window.strides[1], window.dilations[1]);
  if (h <= 0 || w <= 0) conversion.fail(`its window does not fit its ${String(input.h)}×${String(input.w)} input`);
  return { kind: 'map', layer, h, w, c };
}

function torchName(name: string | undefined): TorchParameter | undefined {
  return name === undefined ? undefined : { name };
}

/** Conv: a Conv2D, or a DepthwiseConv2D when every group is one input channel. */
export function convertConv(conversion: Conversion, torchNameOf: (onnxName: string) => string | null): void {
  const input = mapInput(conversion);
  const weight = conversion.initializer(1);
  if (weight === null || weight.tensor.type !== 'float' || weight.tensor.dims.length !== 4) conversion.fail('its weight is not a constant [out, in/groups, kh, kw] float tensor');
  const bias = conversion.node.inputs[2] !== undefined && conversion.node.inputs[2] !== '' ? conversion.initializer(2) : null;
  if (conversion.node.inputs.length > 2 && conversion.node.inputs[2] !== '' && bias === null) conversion.fail('its bias is not a constant');
  const [out, perGroup, kh, kw] = weight.tensor.dims as [number, number, number, number];
  const group = conversion.attribute('group', 'int', 1);
  const window = windowOf(conversion, pairOf(conversion, 'kernel_shape', [kh, kw]));
  const depthwise = group > 1;
  if (depthwise && (group !== input.c || perGroup !== 1 || out % group !== 0)) {
    conversion.fail(`group ${String(group)} on ${String(input.c)} channels: only group 1 and depthwise convolutions (group = input channels) are imported`);
  }
  if (!depthwise && perGroup !== input.c) conversion.fail(`its weight reads ${String(perGroup)} channels but its input has ${String(input.c)}`);
  // The default eval-mode export folds batch norm in and renames the weight (onnx::Conv_20); the
  // node's scope still names the module, whose weight it stands for (with batch norm folded in).
  const scope = modulePathOf(conversion.node.name);
  const torchWeight = torchNameOf(weight.name) ?? (scope === '' ? null : `${scope}.weight`);
  const module = torchWeight === null ? null : torchWeight.slice(0, torchWeight.lastIndexOf('.'));
  const { input: layerInput, padding } = padded(conversion, input, window, 'zeros', module);
  const config = {
    kernel_size: window.kernel,
    strides: window.strides,
    dilation_rate: window.dilations,
    padding,
    use_bias: bias !== null,
    activation: 'linear',
    ...CHANNELS_LAST,
    ...(depthwise ? { depth_multiplier: out / group } : { filters: out }),
  };
  const layer = conversion.addLayer(depthwise ? 'DepthwiseConv2D' : 'Conv2D', config, [layerInput], { module });
  const values = weight.tensor.values as Float32Array;
  const laid = depthwise
    ? fromTorchLayout('depthwise', values, weight.tensor.dims, { depthMultiplier: out / group })
    : fromTorchLayout('conv2d', values, weight.tensor.dims);
  conversion.addWeight(layer, depthwise ? 'depthwise_kernel' : 'kernel', laid.shape, laid.values, torchName(torchWeight ?? undefined));
  if (bias !== null) conversion.addWeight(layer, 'bias', [out], Float32Array.from(bias.tensor.values as Float32Array), torchName(torchNameOf(bias.name) ?? undefined));
  conversion.output(spatialOutput(conversion, layer, input, window, out));
}

const BATCH_NORM_PARAMS = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;

/** BatchNormalization in inference mode; torch's weight and bias are TF.js's gamma and beta. */
export function convertBatchNorm(conversion: Conversion, torchNameOf: (onnxName: string) => string | null): void {
  const input = conversion.layerInput(0);
  if (conversion.node.outputs.filter((o) => o !== '').length > 1 || conversion.attribute('training_mode', 'int', 0) !== 0) {
    conversion.fail('is in training mode; export the model in eval mode (model.eval(), training=TrainingMode.PRESERVE)');
  }
  const channels = input.kind === 'map' ? input.c : input.n;
  // torch's BatchNorm1d after a flatten indexes features in (c, h, w) order, TF.js's in (h, w, c).
  if (input.kind === 'vector' && input.flattenedFrom !== undefined && input.flattenedFrom[0] * input.flattenedFrom[1] > 1) {
    conversion.fail('normalizes a flattened feature map; its per-feature statistics are in an order TF.js does not have');
  }
  const tensors = BATCH_NORM_PARAMS.map((param, i) => {
    const tensor = conversion.initializer(i + 1);
    if (tensor === null || tensor.tensor.type !== 'float' || tensor.tensor.dims.length !== 1 || tensor.tensor.dims[0] !== channels) {
      return conversion.fail(`its scale, bias, mean and variance are not constant vectors of ${String(channels)}`);
    }
    return { param, name: tensor.name, values: tensor.tensor.values as Float32Array };
  });
  const scaleName = torchNameOf(tensors[0]!.name);
  const config = { axis: -1, momentum: conversion.attribute('momentum', 'float', 0.9), epsilon: conversion.attribute('epsilon', 'float', 1e-5), center: true, scale: true };
  const layer = conversion.addLayer('BatchNormalization', config, [input], { module: scaleName === null ? null : scaleName.slice(0, scaleName.lastIndexOf('.')) });
  for (const { param, name, values } of tensors) {
    // The running statistics are torch buffers, not parameters: nothing prunes them.
    const torch = param === 'gamma' || param === 'beta' ? torchNameOf(name) : null;
    conversion.addWeight(layer, param, [channels], Float32Array.from(values), torch === null ? undefined : { name: torch });
  }
  conversion.output({ ...input, layer, nonNegative: false });
}

/** MaxPool and AveragePool (ceil_mode 0, no dilation). */
export function convertPool(conversion: Conversion, kind: 'max' | 'average'): void {
  const input = mapInput(conversion);
  if (conversion.attribute('ceil_mode', 'int', 0) !== 0) conversion.fail('ceil_mode=1 is not imported (TF.js rounds pool sizes down)');
  const window = windowOf(conversion, pairOf(conversion, 'kernel_shape', []));
  if (window.dilations[0] !== 1 || window.dilations[1] !== 1) conversion.fail('dilated pooling is not imported');
  // TF.js's 'same' pools over in-bounds positions only: torch's max pool (pads -inf) and its
  // average pool with count_include_pad=0. With count_include_pad=1 torch averages the zeros in.
  const countsPads = kind === 'average' && conversion.attribute('count_include_pad', 'int', 0) === 1;
  const rule: PadRule = kind === 'max' ? 'max' : countsPads ? 'always-zeros' : 'in-bounds';
  const { input: layerInput, padding } = padded(conversion, input, window, rule);
  const config = { pool_size: window.kernel, strides: window.strides, padding, ...CHANNELS_LAST };
  const layer = conversion.addLayer(kind === 'max' ? 'MaxPooling2D' : 'AveragePooling2D', config, [layerInput]);
  conversion.output({ ...spatialOutput(conversion, layer, input, window, input.c), nonNegative: input.nonNegative === true });
}

/** Pad with zeros on the spatial axes only (torch's F.pad, and AvgPool2d's no-op Pad). */
export function convertPad(conversion: Conversion): void {
  const input = mapInput(conversion);
  const mode = conversion.attribute('mode', 'string', 'constant');
  // Pads and the fill value are inputs from opset 11 on, the importer's first.
  const pads = conversion.constantInput(1).values;
  const fill = conversion.node.inputs[2] !== undefined && conversion.node.inputs[2] !== '' ? conversion.constantInput(2).values[0] : 0;
  if (pads.length !== 8 || pads.some((p) => p === null || p < 0)) conversion.fail(`pads [${pads.join(', ')}] are not 4-D and non-negative`);
  const [nb, cb, top, left, ne, ce, bottom, right] = pads as number[] as [number, number, number, number, number, number, number, number];
  if (nb !== 0 || cb !== 0 || ne !== 0 || ce !== 0) conversion.fail('pads the batch or channel axis');
  if (top === 0 && left === 0 && bottom === 0 && right === 0) {
    conversion.output(input);
    return;
  }
  if (mode !== 'constant' || fill !== 0) conversion.fail(`pads with ${mode === 'constant' ? `the value ${String(fill)}` : `mode ${mode}`}; only zero padding is imported`);
  const layer = conversion.addLayer('ZeroPadding2D', { padding: [[top, bottom], [left, right]], ...CHANNELS_LAST }, [input]);
  conversion.output({ kind: 'map', layer, h: input.h + top + bottom, w: input.w + left + right, c: input.c, nonNegative: input.nonNegative === true });
}

/** GlobalAveragePool, and ReduceMean over axes (2, 3) — what torch.mean(x, (2, 3)) exports. */
export function convertGlobalMean(conversion: Conversion): void {
  const input = mapInput(conversion);
  let keepDims = true;
  if (conversion.node.opType === 'ReduceMean') {
    const axes = conversion.node.inputs[1] !== undefined ? conversion.constantInput(1).values : conversion.attribute('axes', 'ints', []);
    const spatial = [...axes].map((a) => (a !== null && a < 0 ? a + 4 : a)).sort();
    if (spatial.length !== 2 || spatial[0] !== 2 || spatial[1] !== 3) conversion.fail(`axes [${axes.join(', ')}]: only the mean over the spatial axes (2, 3) is imported`);
    keepDims = conversion.attribute('keepdims', 'int', 1) === 1;
  }
  const layer = conversion.addLayer('GlobalAveragePooling2D', { ...CHANNELS_LAST }, [input]);
  conversion.output({ kind: 'vector', layer, n: input.c, ...(keepDims ? { squeezed: true } : {}) });
}
