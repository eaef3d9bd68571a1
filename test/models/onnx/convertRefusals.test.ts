/**
 * What the converter refuses, on small graphs written as data (no ONNX file): each refusal names
 * the node and its op and says what is imported instead, so a user knows what to change in torch.
 */
import { describe, expect, it } from 'vitest';
import { convertOnnx } from '../../../src/models/onnx/convert.js';
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor } from '../../../src/models/onnx/graph.js';

const floats = (dims: number[]): OnnxTensor => ({ dims, type: 'float', values: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.1) });
const ints = (values: number[]): OnnxTensor => ({ dims: [values.length], type: 'int', values });

function node(name: string, opType: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}): OnnxNode {
  return { name, opType, domain: '', inputs, outputs: [`${name}:out`], attributes: new Map(Object.entries(attributes)) };
}

/** A graph on a [1, 4, 8, 8] input whose output is the last node's. */
function graph(nodes: OnnxNode[], initializers: Record<string, OnnxTensor> = {}, opset = 13): OnnxGraph {
  return { opset, inputs: [{ name: 'input', dims: [1, 4, 8, 8] }], outputs: [nodes[nodes.length - 1]!.outputs[0]!], initializers: new Map(Object.entries(initializers)), nodes };
}

const refusal = (g: OnnxGraph) => {
  try {
    convertOnnx(g);
  } catch (error) {
    return (error as Error).message;
  }
  return 'converted';
};

const flatten = (from: string) => node('/Flatten', 'Flatten', [from]);

describe('the converter refuses, naming the node and op', () => {
  it('a grouped conv that is not depthwise', () => {
    const conv = node('/conv/Conv', 'Conv', ['input', 'w'], { group: 2, kernel_shape: [3, 3] });
    expect(refusal(graph([conv, flatten('/conv/Conv:out')], { w: floats([4, 2, 3, 3]) }))).toBe(
      'node "/conv/Conv" (Conv): group 2 on 4 channels: only group 1 and depthwise convolutions (group = input channels) are imported',
    );
  });

  it('a reshape that is not a flatten', () => {
    const reshape = node('/Reshape', 'Reshape', ['input', 'shape']);
    expect(refusal(graph([reshape], { shape: ints([1, 4, 64]) }))).toMatch(/^node "\/Reshape" \(Reshape\): reshapes to \[1, 4, 64\]; only \[N, -1\] or \[N, 256\]/);
  });

  it("a max pool's pads that TF.js's 'same' does not match, on values that may be negative", () => {
    const pool = node('/pool/MaxPool', 'MaxPool', ['input'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(refusal(graph([pool, flatten('/pool/MaxPool:out')]))).toMatch(/^node "\/pool\/MaxPool" \(MaxPool\): pads \[1, 1, 1, 1\] are neither/);
  });

  it('but takes them after a ReLU, as zeros', () => {
    const relu = node('/relu/Relu', 'Relu', ['input']);
    const pool = node('/pool/MaxPool', 'MaxPool', ['/relu/Relu:out'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const converted = convertOnnx(graph([relu, pool, flatten('/pool/MaxPool:out')]));
    expect(converted.topology).toMatchObject({ config: { output_layers: [['flatten', 0, 0]] } });
  });

  it('a concatenation off the channel axis', () => {
    const concat = node('/Concat', 'Concat', ['input', 'input'], { axis: 2 });
    expect(refusal(graph([concat, flatten('/Concat:out')]))).toBe('node "/Concat" (Concat): concatenates on axis 2; only the channel axis (1) is imported');
  });

  it('an op of another domain', () => {
    const custom = { ...node('/x/Op', 'Op', ['input']), domain: 'com.example' };
    expect(refusal(graph([custom]))).toMatch(/^node "\/x\/Op" \(Op\): op com\.example\.Op is not imported; the importer converts Add, AveragePool, /);
  });

  it("an op named like an object's property (toString), as any unknown op", () => {
    expect(refusal(graph([node('/x/toString', 'toString', ['input'])]))).toMatch(/^node "\/x\/toString" \(toString\): op toString is not imported/);
  });

  it('an opset before 11', () => {
    expect(refusal(graph([flatten('input')], {}, 9))).toBe("opset 9: the importer reads opsets 11 to 17 (torch.onnx.export's opset_version)");
  });

  it('a model whose output is a feature map (TF.js would give it as NHWC)', () => {
    expect(refusal(graph([node('/relu/Relu', 'Relu', ['input'])]))).toMatch(/output .* is a feature map; models whose output is \[N, features\] are imported/);
  });
});
