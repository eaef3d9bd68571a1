import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { readWeight, weightNamed, writeWeight } from '../../src/engine/weights.js';
import { CLASSES_WITH_LAYOUT, inputsOf, kindOf, kindOfType, LAYER_KINDS, MERGE_LAYERS, outputsOf, paramOf, type LayerKind } from '../../src/layers/index.js';
import { layerTypeOf } from '../../src/models/description.js';
import { weightLayoutOf } from '../../src/plan/layout.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** The layer classes filter pruning and compaction name today, each with a real TF.js layer built on [6, 6, 4]. */
const BUILT: Readonly<Record<string, () => tf.layers.Layer>> = {
  Conv2D: () => tf.layers.conv2d({ filters: 5, kernelSize: 3 }),
  Dense: () => tf.layers.dense({ units: 5 }),
  DepthwiseConv2D: () => tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
  SeparableConv2D: () => tf.layers.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2 }),
  BatchNormalization: () => tf.layers.batchNormalization(),
  MaxPooling2D: () => tf.layers.maxPooling2d({ poolSize: 2 }),
  AveragePooling2D: () => tf.layers.averagePooling2d({ poolSize: 2 }),
  GlobalAveragePooling2D: () => tf.layers.globalAveragePooling2d({}),
  ReLU: () => tf.layers.reLU(),
  Activation: () => tf.layers.activation({ activation: 'tanh' }),
  Dropout: () => tf.layers.dropout({ rate: 0.5 }),
  Flatten: () => tf.layers.flatten(),
  ZeroPadding2D: () => tf.layers.zeroPadding2d({ padding: 1 }),
};

function kind(className: string): LayerKind {
  const found = kindOf(className);
  if (found === undefined) throw new Error(`no layer kind for ${className}`);
  return found;
}

describe('the layer kind table', () => {
  it('describes every class the engine handles, once, under its TF.js class name and snake-case type', () => {
    for (const className of [...Object.keys(BUILT), 'Add', 'Concatenate', 'InputLayer']) {
      expect(kind(className).className).toBe(className);
    }
    expect(new Set(LAYER_KINDS.map((k) => k.className)).size).toBe(LAYER_KINDS.length);
    for (const k of LAYER_KINDS) {
      expect(k.type).toBe(layerTypeOf(k.className));
      expect(kindOfType(k.type)).toBe(k);
    }
  });

  it("names each real layer's weights, and their channel axes have the layer's channel counts", () => {
    const inputChannels = 4;
    for (const [className, build] of Object.entries(BUILT)) {
      const layer = build();
      const output = layer.apply(tf.input({ shape: [6, 6, inputChannels] })) as tf.SymbolicTensor;
      const outputChannels = output.shape[output.shape.length - 1]!;
      const parts = layer.weights.map((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1));
      const k = kind(className);
      expect(k.params.map((p) => p.name), className).toEqual(parts);
      for (const w of layer.weights) {
        const p = paramOf(k, w.originalName.slice(w.originalName.lastIndexOf('/') + 1))!;
        const shape = w.shape as number[];
        if (p.out.length > 0) expect(p.out.reduce((n, axis) => n * shape[axis]!, 1), `${w.originalName} out`).toBe(outputChannels);
        if (p.in !== null) expect(shape[p.in], `${w.originalName} in`).toBe(inputChannels);
      }
      const kernel = k.outputKernel === null ? undefined : paramOf(k, k.outputKernel);
      expect(kernel === undefined || kernel.out.length > 0, className).toBe(true);
    }
  });

  it('gives weight layouts to the kernels of Conv2D and Dense only, by class and by type', () => {
    expect(CLASSES_WITH_LAYOUT).toEqual(['Conv2D', 'Dense']);
    expect(weightLayoutOf({ layerType: 'conv2d', param: 'kernel' })).toBe('conv2d');
    expect(weightLayoutOf({ layerType: 'dense', param: 'kernel' })).toBe('dense');
    expect(weightLayoutOf({ layerType: 'dense', param: 'bias' })).toBeNull();
    expect(weightLayoutOf({ layerType: 'depthwise_conv2d', param: 'depthwise_kernel' })).toBeNull();
    expect(weightLayoutOf({ layerType: 'zero_padding2d', param: 'kernel' })).toBeNull();
  });

  it('lists the merge layers with what they do in words', () => {
    expect(MERGE_LAYERS['Add']).toBe('a residual add');
    expect(MERGE_LAYERS['Concatenate']).toBe('a concatenation');
    expect(Object.keys(MERGE_LAYERS).sort()).toEqual(['Add', 'Average', 'Concatenate', 'Dot', 'Maximum', 'Minimum', 'Multiply', 'Subtract']);
  });
});

describe('channel flows', () => {
  it('map depthwise, concatenate and add indices both ways', () => {
    const depthwise = { inputs: [[6, 6, 4]], depthMultiplier: 2 };
    expect(outputsOf('depthwise', depthwise, { input: 0, channel: 3 })).toEqual([6, 7]);
    expect(inputsOf('depthwise', depthwise, 7)).toEqual([{ input: 0, channel: 3 }]);
    const concat = { inputs: [[4, 4, 3], [4, 4, 5]] };
    expect(outputsOf('concatenate', concat, { input: 1, channel: 2 })).toEqual([5]);
    expect(inputsOf('concatenate', concat, 5)).toEqual([{ input: 1, channel: 2 }]);
    expect(inputsOf('concatenate', concat, 2)).toEqual([{ input: 0, channel: 2 }]);
    expect(inputsOf('concatenate', concat, 8)).toEqual([]);
    const add = { inputs: [[4, 4, 3], [4, 4, 3]] };
    expect(inputsOf('shared_index', add, 1)).toEqual([{ input: 0, channel: 1 }, { input: 1, channel: 1 }]);
    expect(outputsOf('produces', add, { input: 0, channel: 1 })).toEqual([]);
  });

  it('follow a conv channel through bn → relu → flatten to exactly the dense rows that read it', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ name: 'conv', inputShape: [4, 4, 1], filters: 3, kernelSize: 3 }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.reLU({ name: 'relu' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ name: 'dense', units: 2 }),
      ],
    });
    // Walk channel 1 from the conv's output to the dense kernel's `in` axis, reading only the descriptors.
    let indices = [1];
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'BatchNormalization', 'ReLU', 'Flatten', 'Dense']);
    for (let i = 1; i < model.layers.length - 1; i++) {
      const flow = kind(model.layers[i]!.getClassName()).flow;
      const shapes = { inputs: [(model.layers[i - 1]!.outputShape as number[]).slice(1)] };
      indices = indices.flatMap((channel) => outputsOf(flow, shapes, { input: 0, channel }));
    }
    expect(indices).toEqual([1, 4, 7, 10]);
    expect(paramOf(kind('Dense'), 'kernel')!.in).toBe(0);
    for (const row of indices) expect(inputsOf('flatten', { inputs: [[2, 2, 3]] }, row)).toEqual([{ input: 0, channel: 1 }]);

    // With the channel silenced (zero filter and bias; bn maps 0 to 0 at its initial statistics),
    // changing exactly those dense rows leaves the output alone, and changing any other row does not.
    // Positive inputs and filters: every other channel's ReLU output is positive, so its rows matter.
    const x = tf.randomUniform([2, 4, 4, 1], 0.1, 1, 'float32', 7);
    const predict = () => {
      const y = model.predict(x) as tf.Tensor;
      const values = y.dataSync().slice();
      y.dispose();
      return values;
    };
    const setRows = (rows: readonly number[], value: number) => {
      const kernel = weightNamed(model, 'dense/kernel');
      const values = readWeight(kernel);
      for (const r of rows) values.fill(value, r * 2, r * 2 + 2);
      writeWeight(kernel, values);
    };
    const convKernel = weightNamed(model, 'conv/kernel');
    writeWeight(convKernel, readWeight(convKernel).map((_, i) => (i % 3 === 1 ? 0 : 0.5)));
    const before = predict();
    setRows(indices, 5);
    expect(predict()).toEqual(before);
    setRows([0], 5);
    expect(predict()).not.toEqual(before);
    x.dispose();
    model.dispose();
  });
});
