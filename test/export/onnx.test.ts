/**
 * export.onnx on the models people prune: LeNet, a tiny ResNet and a tiny MobileNet (the builtin
 * constructors, small), and a functional model of every other layer kind the writer converts, all
 * with random weights and pruned. onnxruntime-node runs each export on random NCHW images and gives
 * the TF.js model's outputs on the same images within 1e-4; the compact model's export too.
 */
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { prune } from '../../src/api/index.js';
import { buildArchitecture } from '../../src/engine/builtinModels.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { compactModel } from '../../src/export/compact/index.js';
import { modelToOnnx, ONNX_CONVERTERS } from '../../src/export/onnx/index.js';
import { ONNX_EXPORTABLE } from '../../src/layers/onnx.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { mobilenetArchitecture } from '../../src/models/mobilenet.js';
import { resnetArchitecture } from '../../src/models/resnet.js';
import { onnxDifference, randomizeWeights } from './onnxHelpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const kernels = (model: tf.LayersModel) =>
  model.layers.flatMap((layer) => layer.weights.filter((w) => /kernel$/.test(w.originalName)).map((w): [tf.layers.Layer, string] => [layer, w.originalName.split('/').pop()!]));

/** Half of every kernel pruned by one global L1 threshold. */
function pruneHalf(model: tf.LayersModel): void {
  prune.globalUnstructured(kernels(model), { method: 'l1', amount: 0.5 });
}

describe('model.onnx', () => {
  it('converts every class the planner lets through, and only those', () => {
    expect(Object.keys(ONNX_CONVERTERS).sort()).toEqual(Object.keys(ONNX_EXPORTABLE).filter((c) => c !== 'InputLayer').sort());
  });

  it('LeNet: torch names, OIHW weights, a Gemm after Flatten, the TF.js outputs', async () => {
    const model = buildLenet(4);
    pruneHalf(model);
    const decoded = onnxProto.onnx.ModelProto.decode(modelToOnnx(model, { torch: LENET_DESCRIPTION.torch }));
    const graph = decoded.graph as onnxProto.onnx.GraphProto;
    expect(graph.initializer.map((t) => [t.name, (t.dims as number[]).map(Number)])).toEqual([
      ['conv1.weight', [6, 1, 3, 3]], ['conv1.bias', [6]], ['conv2.weight', [16, 6, 3, 3]], ['conv2.bias', [16]],
      ['fc1.weight', [120, 400]], ['fc1.bias', [120]], ['fc2.weight', [84, 120]], ['fc2.bias', [84]], ['fc3.weight', [10, 84]], ['fc3.bias', [10]],
    ]);
    expect(graph.node.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    expect(graph.input[0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', 1, 28, 28]);
    expect(Number(decoded.opsetImport[0]!.version)).toBe(13);
    expect(await onnxDifference(model, { torch: LENET_DESCRIPTION.torch })).toBeLessThan(1e-4);
    model.dispose();
  });

  it('a tiny ResNet (batch norm, residual adds, stride-2 same padding, 1×1 projections)', async () => {
    const model = buildArchitecture(resnetArchitecture({ depth: 8, width: 0.25, inputShape: [12, 12, 3], classes: 5 }), 1);
    randomizeWeights(model, 2);
    pruneHalf(model);
    expect(await onnxDifference(model)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('a tiny MobileNet (depthwise convs, ReLU6, global average pooling, asymmetric padding on an even size)', async () => {
    const model = buildArchitecture(mobilenetArchitecture({ width: 0.25, inputShape: [16, 16, 3], classes: 4 }), 1);
    randomizeWeights(model, 3);
    pruneHalf(model);
    const bytes = modelToOnnx(model);
    const graph = onnxProto.onnx.ModelProto.decode(bytes).graph as onnxProto.onnx.GraphProto;
    const dw = graph.node.find((n) => n.name === 'conv_dw_2/Conv') as onnxProto.onnx.NodeProto;
    const attribute = (name: string) => dw.attribute.find((a) => a.name === name) as onnxProto.onnx.AttributeProto;
    expect(attribute('pads').ints.map(Number)).toEqual([0, 0, 1, 1]); // 8 → 4 with stride 2: TF.js pads the end
    expect(Number(attribute('group').i)).toBe(8); // conv_pw_1's 32 × 0.25 channels, one group each
    expect(await onnxDifference(model)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('a pruned LeNet without whole filters, and its compact model, give the same outputs', async () => {
    const model = buildLenet(5);
    prune.lnStructured(model.getLayer('conv2'), 'kernel', { amount: 0.5, n: 2, axis: 'out' });
    prune.lnStructured(model.getLayer('fc1'), 'kernel', { amount: 0.5, n: 2, axis: 'out' });
    const compact = compactModel(model).model;
    expect(compact.getLayer('conv2').getWeights()[0]!.shape).toEqual([3, 3, 6, 8]);
    expect(await onnxDifference(compact, { torch: LENET_DESCRIPTION.torch })).toBeLessThan(1e-4);
    compact.dispose();
    model.dispose();
  });
});

/** One functional model of every other layer kind and activation the writer converts. */
function everyKind(): tf.LayersModel {
  const input = tf.input({ shape: [9, 10, 3], name: 'image' });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const a = apply(tf.layers.conv2d({ name: 'strided', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' }), input);
  const dilated = apply(tf.layers.conv2d({ name: 'dilated', filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'swish' }), input);
  const b = apply(tf.layers.maxPooling2d({ name: 'pool', poolSize: 3, strides: 2, padding: 'same' }), dilated);
  const merged = ['multiply', 'average', 'maximum', 'minimum'].map((kind) =>
    apply((tf.layers as unknown as Record<string, (c: { name: string }) => tf.layers.Layer>)[kind]!({ name: kind }), [a, b]),
  );
  const joined = apply(tf.layers.concatenate({ name: 'joined' }), merged);
  const separable = apply(tf.layers.separableConv2d({ name: 'separable', filters: 6, kernelSize: 3, depthMultiplier: 2, activation: 'tanh' }), joined);
  const averaged = apply(tf.layers.averagePooling2d({ name: 'average_pool', poolSize: 2, strides: 1, padding: 'same' }), separable);
  const normed = apply(tf.layers.batchNormalization({ name: 'bn' }), averaged);
  const clipped = apply(tf.layers.activation({ name: 'relu6', activation: 'relu6' }), normed);
  const flat = apply(tf.layers.flatten({ name: 'flatten' }), clipped);
  const dropped = apply(tf.layers.dropout({ name: 'dropout', rate: 0.5 }), flat);
  const fc = apply(tf.layers.dense({ name: 'fc', units: 7, activation: 'sigmoid' }), dropped);
  const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), clipped);
  const both = apply(tf.layers.concatenate({ name: 'flat_and_pooled' }), [dropped, pooled]);
  const normed1d = apply(tf.layers.batchNormalization({ name: 'bn1d' }), both);
  let side = apply(tf.layers.dense({ name: 'fc_side', units: 7, activation: 'hardSigmoid' }), normed1d);
  for (const activation of ['softplus', 'softsign', 'selu', 'mish', 'gelu'] as const) side = apply(tf.layers.activation({ name: activation, activation }), side);
  const sum = apply(tf.layers.add({ name: 'sum' }), [fc, side, apply(tf.layers.reLU({ name: 'relu' }), fc)]);
  const output = apply(tf.layers.dense({ name: 'head', units: 5, activation: 'softmax' }), sum);
  return tf.model({ name: 'every_kind', inputs: input, outputs: output });
}

describe('model.onnx of every other layer kind', () => {
  it('separable and dilated convs, pooling with same padding, merges, flatten orders, batch norm, activations', async () => {
    const model = everyKind();
    randomizeWeights(model, 7);
    pruneHalf(model);
    const logits = tf.model({ inputs: model.inputs, outputs: model.getLayer('sum').output });
    expect(await onnxDifference(model)).toBeLessThan(1e-4);
    expect(await onnxDifference(logits)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('stops with the layer named where a configuration has no conversion (an activation the planner cannot see)', () => {
    const input = tf.input({ shape: [4] });
    const output = tf.layers.activation({ name: 'approximate', activation: 'gelu_new' }).apply(tf.layers.dense({ name: 'fc', units: 3 }).apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    expect(() => modelToOnnx(model)).toThrow(/^ONNX export: layer 'approximate' \(Activation\): activation gelu_new has no ONNX conversion$/);
    model.dispose();
  });
});
