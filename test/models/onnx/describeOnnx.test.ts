/**
 * The description of an imported ONNX model, made without TF.js: layer names from torch's modules,
 * every trainable parameter's torch name (and the flatten a dense layer reads), and what the
 * importer refuses as a RecipeError at the recipe's location, naming the node and its op.
 */
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../../src/errors.js';
import { allParameters } from '../../../src/models/description.js';
import { modelMacs } from '../../../src/models/macs.js';
import { describeOnnx } from '../../../src/models/onnx/describe.js';
import { modulePathOf } from '../../../src/models/onnx/names.js';
import { TORCH_FIXTURES } from '../../helpers/torchLenet.js';

const at = { file: 'recipe.yaml', line: 3, col: 10 };
const describeFixture = (name: string) => describeOnnx({ kind: 'onnx', path: `${TORCH_FIXTURES}${name}.onnx`, at });

describe('describeOnnx', () => {
  it("names LeNet's layers and parameters as the built-in LeNet, with torch's names and fc1's flatten", async () => {
    const model = await describeFixture('lenet');
    expect(model.layers.filter((l) => l.params.length > 0).map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    expect(model.inputShape).toEqual([28, 28, 1]);
    expect(model.torch?.['fc1/kernel']).toEqual({ name: 'fc1.weight', flattenedFrom: [5, 5, 16] });
    expect(model.torch?.['conv2/bias']).toEqual({ name: 'conv2.bias' });
    expect(allParameters(model).find((p) => p.name === 'fc1/kernel')?.shape).toEqual([400, 120]);
  });

  it('maps every trainable parameter of the residual net to its state-dict name, batch norm included', async () => {
    const model = await describeFixture('resnet');
    const torchNames = allParameters(model).map((p) => model.torch?.[p.name]?.name);
    expect(torchNames).toContain('layer2.0.shortcut.0.weight');
    expect(torchNames).toContain('layer1.0.bn2.bias');
    expect(torchNames.every((name) => name !== undefined)).toBe(true);
    expect(model.torch?.['layer2_0_shortcut_1/gamma']?.name).toBe('layer2.0.shortcut.1.weight');
    // The stride-2 conv's pads (1, 1) are not TF.js's 'same' (0, 1) on 28×28: a ZeroPadding2D before a 'valid' conv.
    const pad = model.layers.find((l) => l.name === 'layer2_0_conv1_pad');
    expect(pad?.className).toBe('ZeroPadding2D');
    expect(model.layers.find((l) => l.name === 'layer2_0_conv1')?.inbound).toEqual(['layer2_0_conv1_pad']);
    // ResNet's max pool pads (1, 1) after a ReLU: zeros are torch's -∞ there, so a ZeroPadding2D serves.
    expect(model.layers.find((l) => l.name === 'maxpool')?.inbound).toEqual(['maxpool_pad']);
        expect(modelMacs(model).total).not.toBeNull();
  });

  it('names the folded export by the modules its nodes come from; only conv weights and the fc keep torch names', async () => {
    const model = await describeFixture('resnet_folded');
    expect(model.layers.some((l) => l.className === 'BatchNormalization')).toBe(false);
    expect(model.torch?.['layer1_0_conv1/kernel']?.name).toBe('layer1.0.conv1.weight');
    expect(model.torch?.['layer1_0_conv1/bias']).toBeUndefined();
    expect(model.torch?.['fc/bias']?.name).toBe('fc.bias');
  });

  it('imports depthwise convs and ReLU6 from the separable net', async () => {
    const model = await describeFixture('separable');
    expect(model.layers.find((l) => l.name === 'block1_0')?.className).toBe('DepthwiseConv2D');
    expect(model.layers.find((l) => l.name === 'block1_2')?.className).toBe('ReLU');
    expect(model.torch?.['block2_0/depthwise_kernel']?.name).toBe('block2.0.weight');
    // AvgPool2d(3, 2, padding=1) counts its pads: torch writes a Pad, imported as zeros.
    expect(model.layers.find((l) => l.name === 'pool_pad')?.className).toBe('ZeroPadding2D');
    // The pool's view(x.size(0), -1) needs no layer: the global pool's output is already [N, 12].
    expect(model.layers.find((l) => l.name === 'fc')?.inbound).toEqual(['gap']);
  });

  it("imports x @ w + b as one dense layer with a bias, w without a torch name (it is [in, out], not a Linear's weight)", async () => {
    const model = await describeFixture('matmul');
    const head = model.layers.find((l) => l.name === 'head');
    expect(head?.className).toBe('Dense');
    expect(head?.params.map((p) => `${p.param} [${p.shape.join(', ')}]`)).toEqual(['kernel [128, 10]', 'bias [10]']);
    expect(model.torch?.['head/kernel']).toBeUndefined();
    expect(model.torch?.['head/bias']?.name).toBe('head.b');
  });

  it('refuses an op it cannot convert at the recipe location, naming the node and the op', async () => {
    const error = await describeFixture('unsupported').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecipeError);
    const problem = (error as RecipeError).problems[0]!;
    expect(problem.at).toEqual(at);
    expect(problem.message).toContain('node "/act/LeakyRelu" (LeakyRelu): op LeakyRelu is not imported');
  });

  it('refuses a file that is not ONNX, at the recipe location', async () => {
    const error = await describeOnnx({ kind: 'onnx', path: `${TORCH_FIXTURES}lenet.json`, at }).catch((e: unknown) => e);
    expect((error as RecipeError).problems[0]?.message).toMatch(/not an ONNX model/);
  });
});

describe('modulePathOf', () => {
  it("reads torch's scopes, a Sequential's child as <parent>.<index>", () => {
    expect(modulePathOf('/layer2/layer2.0/shortcut/shortcut.0/Conv')).toBe('layer2.0.shortcut.0');
    expect(modulePathOf('/Relu_1')).toBe('');
    expect(modulePathOf('Constant_34')).toBe('');
  });
});
