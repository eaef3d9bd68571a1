/**
 * The layers with weights: convolutions (OIHW weights, TF.js padding as explicit pads), dense
 * layers (Gemm with transB = 1, weight [out, in], its columns in torch's flatten order after a
 * flatten) and batch norm in inference form (moving statistics), as torch.onnx.export writes them.
 */
import { toTorchLayout } from '../../prune/torchLayout.js';
import { channelsLast, refuse, requiredWeight, singleInput, withActivation, type LayerContext, type LayerConverter } from './context.js';
import { pair, windowAttributes, type Window } from './spatial.js';
import { inTfjsOrder, type OnnxValue } from './values.js';

function windowOf(context: LayerContext, kernel: readonly [number, number]): Window {
  const padding = context.config.padding;
  if (padding !== 'same' && padding !== 'valid') refuse(context, `padding ${String(padding)} has no ONNX conversion`);
  return { kernel, strides: pair(context.config.strides, 1), dilation: pair(context.config.dilationRate, 1), padding };
}

/** A Conv node on `input`: weight in torch layout, optional bias, group. */
function convNode(context: LayerContext, input: OnnxValue, weight: { name: string; kh: number; kw: number }, bias: string | null, window: Window, group: number, output: string): OnnxValue {
  const [h, w] = input.shape as [number, number, number];
  const attributes = { ...windowAttributes({ ...window, kernel: [weight.kh, weight.kw] }, [h, w], true), group: { int: group } };
  const name = context.graph.node('Conv', [input.name, weight.name, ...(bias === null ? [] : [bias])], output, attributes);
  return { name, shape: context.outputShape, flattenedFrom: null };
}

function biasOf(context: LayerContext): string | null {
  const bias = context.weight('bias');
  return bias === undefined ? null : context.graph.floats(context.weightName('bias'), bias.values, bias.shape);
}

const conv2d: LayerConverter = (context) => {
  channelsLast(context);
  const input = singleInput(context, 3);
  const kernel = requiredWeight(context, 'kernel');
  const [kh, kw] = kernel.shape as [number, number];
  if (typeof context.config.groups === 'number' && context.config.groups !== 1) refuse(context, 'grouped convolution (groups > 1) has no conversion here');
  const laid = toTorchLayout('conv2d', kernel.values, kernel.shape);
  const weight = { name: context.graph.floats(context.weightName('kernel'), laid.values, laid.shape), kh, kw };
  return withActivation(context, (output) => convNode(context, input, weight, biasOf(context), windowOf(context, [kh, kw]), 1, output));
};

/** A depthwise kernel [kh, kw, in, mult] as torch's grouped Conv weight [in·mult, 1, kh, kw], group = in. */
function depthwiseWeight(context: LayerContext, param: string): { name: string; kh: number; kw: number; group: number } {
  const kernel = requiredWeight(context, param);
  const [kh, kw, inputs] = kernel.shape as [number, number, number, number];
  const laid = toTorchLayout('depthwise', kernel.values, kernel.shape);
  return { name: context.graph.floats(context.weightName(param), laid.values, laid.shape), kh, kw, group: inputs };
}

const depthwiseConv2d: LayerConverter = (context) => {
  channelsLast(context);
  const input = singleInput(context, 3);
  const weight = depthwiseWeight(context, 'depthwise_kernel');
  return withActivation(context, (output) => convNode(context, input, weight, biasOf(context), windowOf(context, [weight.kh, weight.kw]), weight.group, output));
};

/** torch's separable block: the depthwise Conv (no bias), then a 1×1 Conv with the bias. */
const separableConv2d: LayerConverter = (context) => {
  channelsLast(context);
  const input = singleInput(context, 3);
  const depthwise = depthwiseWeight(context, 'depthwise_kernel');
  const pointwise = requiredWeight(context, 'pointwise_kernel');
  const window = windowOf(context, [depthwise.kh, depthwise.kw]);
  const [outH, outW] = context.outputShape as [number, number, number];
  const middle = { ...convNode(context, input, depthwise, null, window, depthwise.group, `${context.name}/depthwise`), shape: [outH, outW, pointwise.shape[2]!] };
  const laid = toTorchLayout('conv2d', pointwise.values, pointwise.shape);
  const weight = { name: context.graph.floats(context.weightName('pointwise_kernel'), laid.values, laid.shape), kh: 1, kw: 1 };
  const unit: Window = { kernel: [1, 1], strides: [1, 1], dilation: [1, 1], padding: 'valid' };
  return withActivation(context, (output) => convNode(context, middle, weight, biasOf(context), unit, 1, output));
};

const dense: LayerConverter = (context) => {
  const input = singleInput(context, 1);
  const kernel = requiredWeight(context, 'kernel');
  const from = input.flattenedFrom;
  const laid = toTorchLayout('dense', kernel.values, kernel.shape, from === null ? {} : { flattenedFrom: from });
  const weight = context.graph.floats(context.weightName('kernel'), laid.values, laid.shape);
  const bias = biasOf(context);
  return withActivation(context, (output) => ({
    name: context.graph.node('Gemm', [input.name, weight, ...(bias === null ? [] : [bias])], output, { alpha: { float: 1 }, beta: { float: 1 }, transB: { int: 1 } }),
    shape: context.outputShape,
    flattenedFrom: null,
  }));
};

/** Inference batch norm over the channels (TF.js's last axis: ONNX's axis 1). */
const batchNormalization: LayerConverter = (context) => {
  const given = context.inputs[0];
  if (context.inputs.length !== 1 || given === undefined) refuse(context, `it reads ${String(context.inputs.length)} tensors, not one`);
  // Per-feature statistics of a flattened map follow TF.js's feature order.
  const input = inTfjsOrder(context.graph, given);
  const axis = context.config.axis;
  const rank = input.shape.length;
  if (rank !== 3 && rank !== 1) refuse(context, 'only batch norm of a feature map or of a flat tensor is converted');
  if (axis !== -1 && axis !== rank) refuse(context, `batch norm over axis ${String(axis)}: only the channel (last) axis is converted`);
  const channels = input.shape[rank - 1]!;
  const param = (name: string, fallback: number): string => {
    const weight = context.weight(name);
    if (weight !== undefined) return context.graph.floats(context.weightName(name), weight.values, weight.shape);
    if (name === 'moving_mean' || name === 'moving_variance') refuse(context, `it has no ${name}`);
    return context.graph.floats(`${context.name}/${name}`, new Float32Array(channels).fill(fallback), [channels]);
  };
  const inputs = [input.name, param('gamma', 1), param('beta', 0), param('moving_mean', 0), param('moving_variance', 1)];
  const epsilon = typeof context.config.epsilon === 'number' ? context.config.epsilon : 1e-3;
  return { name: context.graph.node('BatchNormalization', inputs, context.name, { epsilon: { float: epsilon } }), shape: context.outputShape, flattenedFrom: null };
};

export const WEIGHTED_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Dense: dense,
  BatchNormalization: batchNormalization,
};
