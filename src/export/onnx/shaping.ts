/**
 * The layers without weights: zero padding (Pad), pooling (explicit pads; average pooling leaves the padding out of the
 * mean, as TF.js does), global average pooling (GlobalAveragePool then Flatten, torch's
 * adaptive_avg_pool2d + flatten), flatten, activations, dropout (nothing at inference) and merges.
 */
import { activation, clip } from './activations.js';
import { channelsLast, refuse, singleInput, type LayerConverter } from './context.js';
import { pair, windowAttributes, type Window } from './spatial.js';
import { inOneOrder, inTfjsOrder, onnxAxis, type OnnxValue } from './values.js';

function pooling(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (context) => {
    channelsLast(context);
    const input = singleInput(context, 3);
    const padding = context.config.padding;
    if (padding !== 'same' && padding !== 'valid') refuse(context, `padding ${String(padding)} has no ONNX conversion`);
    const kernel = pair(context.config.poolSize, 2);
    const strides = context.config.strides === null || context.config.strides === undefined ? kernel : pair(context.config.strides, 1);
    const window: Window = { kernel, strides, dilation: [1, 1], padding };
    const attributes = { ...windowAttributes(window, [input.shape[0]!, input.shape[1]!], false), ...(op === 'AveragePool' ? { count_include_pad: { int: 0 } } : {}) };
    return { name: context.graph.node(op, [input.name], context.name, attributes), shape: context.outputShape, flattenedFrom: null };
  };
}

/** TF.js's [[top, bottom], [left, right]] (or a number, or [vertical, horizontal]) as numbers. */
function paddingOf(padding: unknown): [[number, number], [number, number]] | null {
  if (typeof padding === 'number') return [[padding, padding], [padding, padding]];
  if (!Array.isArray(padding) || padding.length !== 2) return null;
  const sides = padding.map((p: unknown) => (typeof p === 'number' ? [p, p] : Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number') ? (p) : null));
  return sides[0] === null || sides[1] === null ? null : [sides[0] as [number, number], sides[1] as [number, number]];
}

/** A Pad node with zeros, NCHW pads [0, 0, top, left, 0, 0, bottom, right] (the pads are an input from opset 11). */
const zeroPadding2d: LayerConverter = (context) => {
  channelsLast(context);
  const input = singleInput(context, 3);
  const padding = paddingOf(context.config.padding) ?? refuse(context, `padding ${JSON.stringify(context.config.padding)} has no ONNX conversion`);
  const [[top, bottom], [left, right]] = padding;
  const pads = context.graph.int64s(`${context.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return { name: context.graph.node('Pad', [input.name, pads], context.name), shape: context.outputShape, flattenedFrom: null };
};

const globalAveragePooling2d: LayerConverter = (context) => {
  channelsLast(context);
  const input = singleInput(context, 3);
  const keep = context.outputShape.length === 3;
  const pooled = context.graph.node('GlobalAveragePool', [input.name], keep ? context.name : `${context.name}/pool`);
  const name = keep ? pooled : context.graph.node('Flatten', [pooled], context.name, { axis: { int: 1 } });
  return { name, shape: context.outputShape, flattenedFrom: null };
};

/** torch's Flatten: (c, h, w) order, which the value remembers (values.ts) unless the map is 1×1. */
const flatten: LayerConverter = (context) => {
  channelsLast(context);
  const input = context.inputs[0];
  if (input !== undefined && input.shape.length === 1 && context.inputs.length === 1) return input;
  const map = singleInput(context, 3);
  const [h, w, c] = map.shape as [number, number, number];
  const name = context.graph.node('Flatten', [map.name], context.name, { axis: { int: 1 } });
  return { name, shape: [h * w * c], flattenedFrom: h * w === 1 ? null : [h, w, c] };
};

const reluLayer: LayerConverter = (context) => {
  const input = context.inputs[0] ?? refuse(context, 'it reads nothing');
  const max = context.config.maxValue;
  if (typeof max === 'number') return clip(context.graph, input, 0, max, context.name);
  return { ...input, name: context.graph.node('Relu', [input.name], context.name) };
};

const activationLayer: LayerConverter = (context) => {
  const input = context.inputs[0] ?? refuse(context, 'it reads nothing');
  const name = typeof context.config.activation === 'string' ? context.config.activation : 'linear';
  return activation(context.graph, name, input, context.name) ?? refuse(context, `activation ${name} has no ONNX conversion`);
};

const dropout: LayerConverter = (context) => context.inputs[0] ?? refuse(context, 'it reads nothing');

/** An element-wise merge: pairwise for Add and Mul (as torch writes a + b + c), one variadic node otherwise. */
function merge(op: string, pairwise: boolean): LayerConverter {
  return (context) => {
    if (context.inputs.length < 2) refuse(context, 'a merge of fewer than two tensors');
    const inputs = inOneOrder(context.graph, context.inputs);
    const order = inputs[0]!.flattenedFrom;
    if (!pairwise) return { name: context.graph.node(op, inputs.map((v) => v.name), context.name), shape: context.outputShape, flattenedFrom: order };
    let sum = inputs[0]!.name;
    inputs.slice(1).forEach((value, k) => {
      sum = context.graph.node(op, [sum, value.name], k === inputs.length - 2 ? context.name : `${context.name}/${op.toLowerCase()}`);
    });
    return { name: sum, shape: context.outputShape, flattenedFrom: order };
  };
}

const concatenate: LayerConverter = (context) => {
  const inputs: OnnxValue[] = context.inputs.map((v) => inTfjsOrder(context.graph, v));
  if (inputs.length < 2) refuse(context, 'a concatenation of fewer than two tensors');
  const axis = typeof context.config.axis === 'number' ? context.config.axis : -1;
  const onnx = onnxAxis(axis, context.outputShape.length);
  return { name: context.graph.node('Concat', inputs.map((v) => v.name), context.name, { axis: { int: onnx } }), shape: context.outputShape, flattenedFrom: null };
};

export const SHAPING_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  ZeroPadding2D: zeroPadding2d,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalAveragePooling2d,
  Flatten: flatten,
  ReLU: reluLayer,
  Activation: activationLayer,
  Dropout: dropout,
  Add: merge('Add', true),
  Multiply: merge('Mul', true),
  Average: merge('Mean', false),
  Maximum: merge('Max', false),
  Minimum: merge('Min', false),
  Concatenate: concatenate,
};

