/**
 * TF.js activations as ONNX ops, each as torch exports its module: relu6 as Clip(0, 6) (opset 13
 * takes the bounds as inputs), swish (SiLU) and mish as products, gelu through Erf. Softmax acts on
 * TF.js's last axis, which for a feature map is ONNX's channel axis.
 */
import type { OnnxGraph } from './graph.js';
import { inTfjsOrder, onnxAxis, type OnnxValue } from './values.js';

/** The activation names TF.js serialises (getConfig().activation), and the ops that compute them. */
const UNARY: Readonly<Record<string, string>> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  elu: 'Elu',
  selu: 'Selu',
  softplus: 'Softplus',
  softsign: 'Softsign',
  hardSigmoid: 'HardSigmoid', // TF.js's 0.2·x + 0.5, clipped: ONNX's defaults
};

/** Clip(x, low, high), as torch exports ReLU6 and hardtanh. */
export function clip(graph: OnnxGraph, value: OnnxValue, low: number, high: number, output: string): OnnxValue {
  const bounds = [graph.floats(`${output}/min`, Float32Array.of(low), []), graph.floats(`${output}/max`, Float32Array.of(high), [])];
  return { ...value, name: graph.node('Clip', [value.name, ...bounds], output) };
}

/**
 * The activation applied to `value`, its result named `output`; null when TF.js has an activation
 * this writer does not know (the caller names the layer).
 */
export function activation(graph: OnnxGraph, name: string, value: OnnxValue, output: string): OnnxValue | null {
  const op = UNARY[name];
  if (op !== undefined) return { ...value, name: graph.node(op, [value.name], output) };
  const x = value.name;
  switch (name) {
    case 'linear':
      return value;
    case 'relu6':
      return clip(graph, value, 0, 6, output);
    case 'softmax':
    case 'logSoftmax': {
      // Over TF.js's last axis, so the features must be in TF.js's order.
      const ordered = inTfjsOrder(graph, value);
      const axis = onnxAxis(-1, ordered.shape.length);
      return { ...ordered, name: graph.node(name === 'softmax' ? 'Softmax' : 'LogSoftmax', [ordered.name], output, { axis: { int: axis } }) };
    }
    case 'swish':
      return { ...value, name: graph.node('Mul', [x, graph.node('Sigmoid', [x], `${output}/sigmoid`)], output) };
    case 'mish': {
      const softplus = graph.node('Softplus', [x], `${output}/softplus`);
      return { ...value, name: graph.node('Mul', [x, graph.node('Tanh', [softplus], `${output}/tanh`)], output) };
    }
    case 'gelu': {
      // 0.5 · x · (1 + erf(x / √2)), TF.js's exact gelu.
      const scaled = graph.node('Mul', [x, graph.floats(`${output}/rsqrt2`, Float32Array.of(Math.SQRT1_2), [])], `${output}/scaled`);
      const erf = graph.node('Erf', [scaled], `${output}/erf`);
      const onePlus = graph.node('Add', [erf, graph.floats(`${output}/one`, Float32Array.of(1), [])], `${output}/one_plus`);
      const half = graph.node('Mul', [x, graph.floats(`${output}/half`, Float32Array.of(0.5), [])], `${output}/half_x`);
      return { ...value, name: graph.node('Mul', [half, onePlus], output) };
    }
    default:
      return null;
  }
}
