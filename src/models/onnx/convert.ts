/**
 * An ONNX graph (as torch.onnx.export writes it, opsets 11–17) converted into a TF.js functional
 * LayersModel's files, as data: the model.json topology, the weights in TF.js layout (NCHW → NHWC:
 * the model's input is [H, W, C]) and each weight's torch name. No TF.js here: the planner
 * describes the model from this (describe.ts), the engine loads it into TF.js.
 */
import type { TorchNames, TorchParameter } from '../torchNames.js';
import type { AttributeOf, Conversion, ConstantValue, LayerValue, LayerWeight, TopologyLayer, Value } from './values.js';
import { constantOf } from './values.js';
import type { OnnxGraph, OnnxNode } from './graph.js';
import { LayerNamer, moduleOfParameter } from './names.js';
import { convertBatchNorm, convertConv, convertGlobalMean, convertPad, convertPool } from './spatialOps.js';
import { convertActivation, convertAdd, convertClip, convertConcat, convertGemm, convertMatMul, convertPassThrough } from './flatOps.js';
import { allConstant, convertConstant, convertConstantConcat, convertFlatten, convertGather, convertReshape, convertShape, convertSqueeze } from './shapeOps.js';

export interface OnnxImport {
  /** model.json's modelTopology for a functional model. */
  readonly topology: Record<string, unknown>;
  readonly weights: readonly LayerWeight[];
  readonly torch: TorchNames;
  /** [H, W, C], TF.js's order. */
  readonly inputShape: readonly [number, number, number];
}

/** A node the importer cannot convert: the message names the node and its op. */
export class OnnxConversionError extends Error {}

/** The torch state-dict name of an initializer, where the export kept it (`conv1.weight`, not `onnx::Conv_20`). */
function torchNameOf(onnxName: string): string | null {
  return moduleOfParameter(onnxName) === null ? null : onnxName;
}

type Handler = (conversion: Conversion) => void;

const HANDLERS: Readonly<Record<string, Handler>> = {
  Conv: (c) => convertConv(c, torchNameOf),
  BatchNormalization: (c) => convertBatchNorm(c, torchNameOf),
  MaxPool: (c) => convertPool(c, 'max'),
  AveragePool: (c) => convertPool(c, 'average'),
  Pad: convertPad,
  GlobalAveragePool: convertGlobalMean,
  ReduceMean: convertGlobalMean,
  Relu: (c) => convertActivation(c, 'relu'),
  Sigmoid: (c) => convertActivation(c, 'sigmoid'),
  Clip: convertClip,
  Dropout: convertPassThrough,
  Identity: (c) => (c.value(c.node.inputs[0] ?? '').kind === 'constant' ? c.output(c.value(c.node.inputs[0] ?? '')) : convertPassThrough(c)),
  Add: convertAdd,
  Concat: (c) => (allConstant(c) ? convertConstantConcat(c) : convertConcat(c)),
  Flatten: convertFlatten,
  Reshape: convertReshape,
  Gemm: (c) => convertGemm(c, torchNameOf),
  MatMul: (c) => convertMatMul(c, torchNameOf),
  Constant: convertConstant,
  Shape: convertShape,
  Gather: convertGather,
  Unsqueeze: (c) => convertSqueeze(c, true),
  Squeeze: (c) => convertSqueeze(c, false),
};

/** The ops the importer converts, for messages. */
export const IMPORTED_OPS: readonly string[] = Object.keys(HANDLERS).sort();

const inboundOf = (inputs: readonly LayerValue[]) => (inputs.length === 0 ? [] : [inputs.map((v) => [v.layer, 0, 0, {}] as const)]);

export function convertOnnx(graph: OnnxGraph): OnnxImport {
  const fail = (message: string): never => {
    throw new OnnxConversionError(message);
  };
  if (graph.opset < 11 || graph.opset > 17) fail(`opset ${String(graph.opset)}: the importer reads opsets 11 to 17 (torch.onnx.export's opset_version)`);
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) fail(`the graph has ${String(graph.inputs.length)} inputs and ${String(graph.outputs.length)} outputs; one of each is imported`);
  const input = graph.inputs[0]!;
  const [, c, h, w] = input.dims;
  if (input.dims.length !== 4 || typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    fail(`input ${input.name} has shape [${input.dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]; an image batch [N, C, H, W] with fixed C, H, W is imported`);
  }
  const inputShape: [number, number, number] = [h as number, w as number, c as number];
  const namer = new LayerNamer(graph.nodes);
  const inputLayer = namer.reserve(input.name);
  const layers: TopologyLayer[] = [
    { class_name: 'InputLayer', name: inputLayer, config: { name: inputLayer, batch_input_shape: [null, ...inputShape], dtype: 'float32', sparse: false }, inbound_nodes: [] },
  ];
  const weights: LayerWeight[] = [];
  const torch: Record<string, TorchParameter> = {};
  const values = new Map<string, Value>([[input.name, { kind: 'map', layer: inputLayer, h: inputShape[0], w: inputShape[1], c: inputShape[2] }]]);
  for (const [name, tensor] of graph.initializers) values.set(name, constantOf(tensor));
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of graph.nodes) for (const name of node.inputs) consumers.set(name, [...(consumers.get(name) ?? []), node]);
  const absorbed = new Set<OnnxNode>();

  for (const node of graph.nodes) {
    if (absorbed.has(node)) continue;
    const failNode = (message: string): never => fail(`node "${node.name}" (${node.opType}): ${message}`);
    const handler =
      ((node.domain === '' || node.domain === 'ai.onnx') && Object.hasOwn(HANDLERS, node.opType) ? HANDLERS[node.opType] : undefined) ??
      failNode(`op ${node.domain === '' ? '' : `${node.domain}.`}${node.opType} is not imported; the importer converts ${IMPORTED_OPS.join(', ')}`);
    const aliases: OnnxNode[] = [];
    const value = (name: string): Value => values.get(name) ?? failNode(`its input ${name} is not made by any node before it`);
    const conversion: Conversion = {
      node,
      opset: graph.opset,
      value,
      layerInput: (index) => {
        const found = value(node.inputs[index] ?? '');
        return found.kind === 'constant' ? failNode(`its input ${String(index)} is a constant; a layer's output is imported there`) : found;
      },
      constantInput: (index): ConstantValue => {
        const found = value(node.inputs[index] ?? '');
        return found.kind === 'constant' ? found : failNode(`its input ${String(index)} is computed by the model; a constant is imported there`);
      },
      initializer: (index) => {
        const name = node.inputs[index] ?? '';
        const tensor = graph.initializers.get(name);
        return tensor === undefined ? null : { name, tensor };
      },
      constantBias: (name) => {
        const tensor = graph.initializers.get(name);
        return tensor === undefined || tensor.type !== 'float' ? null : { dims: tensor.dims, values: tensor.values as Float32Array };
      },
      output: (made, index = 0) => {
        const name = node.outputs[index];
        if (name === undefined) return;
        values.set(name, made);
        if (index === 0) for (const alias of aliases) for (const out of alias.outputs.slice(0, 1)) values.set(out, made);
      },
      addLayer: (className, config, inputs, naming = {}) => {
        const name = namer.nameOf(node, naming.module ?? null, naming.suffix);
        layers.push({ class_name: className, name, config: { name, trainable: true, ...config }, inbound_nodes: inboundOf(inputs) });
        return name;
      },
      addWeight: (layer, param, shape, data, torchParameter) => {
        weights.push({ name: `${layer}/${param}`, shape: [...shape], values: data });
        if (torchParameter !== undefined) torch[`${layer}/${param}`] = torchParameter;
      },
      fail: failNode,
      attribute: <T extends 'int' | 'float' | 'ints' | 'string'>(name: string, type: T, fallback: AttributeOf<T>): AttributeOf<T> => {
        const found = node.attributes.get(name);
        if (found === undefined) return fallback;
        const ok = type === 'ints' ? Array.isArray(found) : type === 'string' ? typeof found === 'string' : typeof found === 'number';
        return ok ? (found as AttributeOf<T>) : failNode(`attribute ${name} is not ${type === 'ints' ? 'a list of ints' : `a ${type}`}`);
      },
      consumers: (name) => consumers.get(name) ?? [],
      absorb: (later) => {
        absorbed.add(later);
        aliases.push(later);
      },
    };
    handler(conversion);
  }

  const outputName = graph.outputs[0]!;
  const output = values.get(outputName) ?? fail(`the graph's output ${outputName} is made by no node`);
  if (output.kind !== 'vector' || output.squeezed === true) fail(`the graph's output ${outputName} is ${output.kind === 'constant' ? 'a constant' : 'a feature map'}; models whose output is [N, features] are imported`);
  const outputLayer = (output as LayerValue).layer;
  const topology = {
    class_name: 'Model',
    config: { name: 'onnx_import', layers, input_layers: [[inputLayer, 0, 0]], output_layers: [[outputLayer, 0, 0]] },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return { topology, weights, torch, inputShape };
}
