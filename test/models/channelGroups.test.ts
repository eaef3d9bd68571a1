/**
 * Channel groups on the graphs structured pruning meets: LeNet's flatten, residual adds (identity
 * and projection shortcuts), depthwise-separable blocks and concatenation. The models are built
 * with tf.layers and read back through model.json, as the planner sees them; the expected groups
 * are written out by hand, as Torch-Pruning's DepGraph forms them for the same torch modules.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildLenet } from '../../src/engine/lenet.js';
import { channelGroups, type ChannelGroup } from '../../src/models/channelGroups.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { describeTfModel } from './describeTf.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Each channel owns index k of the axis. */
const each = (n: number) => range(n).map((k) => [k]);
const BN = ['gamma', 'beta', 'moving_mean', 'moving_variance'];
const bnOut = (layer: string, n: number, indices = each(n)) => BN.map((param) => ({ layer, param, side: 'out', axes: [0], indices }));
const producerOut = (layer: string, n: number, kernelAxis = 3) => [
  { layer, param: 'kernel', side: 'out', axes: [kernelAxis], indices: each(n) },
  { layer, param: 'bias', side: 'out', axes: [0], indices: each(n) },
];
const readerIn = (layer: string, indices: number[][], axis = 2) => ({ layer, param: 'kernel', side: 'in', axes: [axis], indices });

/** The group rooted at `root`. */
function groupOf(groups: readonly ChannelGroup[], root: string): ChannelGroup {
  const group = groups.find((g) => g.root === root);
  if (group === undefined) throw new Error(`no group rooted at ${root}; roots: ${groups.map((g) => g.root).join(', ')}`);
  return group;
}

const image = (shape = [8, 8, 3]) => tf.input({ shape, name: 'image' });
const conv = (name: string, filters: number, kernelSize = 3) => tf.layers.conv2d({ name, filters, kernelSize, padding: 'same' });
const bn = (name: string) => tf.layers.batchNormalization({ name });
const relu = (name: string) => tf.layers.reLU({ name });
function chain(x: tf.SymbolicTensor, ...layers: tf.layers.Layer[]): tf.SymbolicTensor {
  return layers.reduce((t, layer) => layer.apply(t) as tf.SymbolicTensor, x);
}
const head = (x: tf.SymbolicTensor) => chain(x, tf.layers.globalAveragePooling2d({ name: 'gap' }), tf.layers.dense({ name: 'logits', units: 2 }));

describe('channel groups', () => {
  it("LeNet's static description lists the real model's layers, and both give the same groups", async () => {
    const model = buildLenet(1);
    expect(LENET_DESCRIPTION.layers.map((l) => [l.name, l.className])).toEqual(model.layers.map((l) => [l.name, l.getClassName()]));
    expect(channelGroups(await describeTfModel(model))).toEqual(channelGroups(LENET_DESCRIPTION));
    model.dispose();
  });

  it('LeNet: each conv2 channel owns 25 rows of fc1 (flatten is (h, w, c)); the logits are kept', () => {
    const groups = channelGroups(LENET_DESCRIPTION);
    expect(groups.map((g) => [g.root, g.channels, g.fixed])).toEqual([
      ['conv1', 6, null],
      ['conv2', 16, null],
      ['fc1', 120, null],
      ['fc2', 84, null],
      ['fc3', 10, "they are the model's output"],
    ]);
    expect(groupOf(groups, 'conv1')).toEqual({
      root: 'conv1',
      producers: ['conv1'],
      channels: 6,
      layers: ['conv1', 'pool1', 'conv2'],
      members: [...producerOut('conv1', 6), readerIn('conv2', each(6))],
      fixed: null,
    });
    const conv2 = groupOf(groups, 'conv2');
    expect(conv2.layers).toEqual(['conv2', 'pool2', 'flatten', 'fc1']);
    expect(conv2.members.find((m) => m.layer === 'fc1')).toEqual(readerIn('fc1', range(16).map((c) => range(25).map((p) => p * 16 + c)), 0));
    expect(groupOf(groups, 'fc1').members).toEqual([...producerOut('fc1', 120, 1), readerIn('fc2', each(120), 0)]);
  });

  it('residual block with an identity shortcut: the stem and the last conv of the block are one group', async () => {
    const input = image();
    const x = chain(input, conv('stem', 4), bn('bn0'), relu('relu0'));
    const y = chain(x, conv('conv_a', 5), bn('bn_a'), relu('relu_a'), conv('conv_b', 4), bn('bn_b'));
    const out = head(chain(tf.layers.add({ name: 'add' }).apply([x, y]) as tf.SymbolicTensor, relu('relu1')));
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: out })));
    expect(groups.map((g) => g.root)).toEqual(['stem', 'conv_a', 'logits']);
    expect(groupOf(groups, 'stem')).toEqual({
      root: 'stem',
      producers: ['stem', 'conv_b'],
      channels: 4,
      layers: ['stem', 'bn0', 'relu0', 'conv_a', 'conv_b', 'bn_b', 'add', 'relu1', 'gap', 'logits'],
      members: [...producerOut('stem', 4), ...bnOut('bn0', 4), readerIn('conv_a', each(4)), ...producerOut('conv_b', 4), ...bnOut('bn_b', 4), readerIn('logits', each(4), 0)],
      fixed: null,
    });
    expect(groupOf(groups, 'conv_a')).toEqual({
      root: 'conv_a',
      producers: ['conv_a'],
      channels: 5,
      layers: ['conv_a', 'bn_a', 'relu_a', 'conv_b'],
      members: [...producerOut('conv_a', 5), ...bnOut('bn_a', 5), readerIn('conv_b', each(5))],
      fixed: null,
    });
  });

  it('residual block with a projection shortcut: the block conv and the 1×1 projection share their channels', async () => {
    const input = image();
    const x = chain(input, conv('stem', 4), relu('relu0'));
    const y = chain(x, conv('conv_a', 6), relu('relu_a'), conv('conv_b', 6), bn('bn_b'));
    const shortcut = chain(x, conv('proj', 6, 1), bn('bn_p'));
    const out = head(tf.layers.add({ name: 'add' }).apply([y, shortcut]) as tf.SymbolicTensor);
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: out })));
    expect(groups.map((g) => [g.root, g.producers, g.channels])).toEqual([
      ['stem', ['stem'], 4],
      ['conv_a', ['conv_a'], 6],
      ['conv_b', ['conv_b', 'proj'], 6],
      ['logits', ['logits'], 2],
    ]);
    expect(groupOf(groups, 'stem').members).toEqual([...producerOut('stem', 4), readerIn('conv_a', each(4)), readerIn('proj', each(4))]);
    expect(groupOf(groups, 'conv_b').members).toEqual([
      ...producerOut('conv_b', 6),
      ...producerOut('proj', 6),
      ...bnOut('bn_b', 6),
      ...bnOut('bn_p', 6),
      readerIn('logits', each(6), 0),
    ]);
  });

  it("depthwise-separable block: the depthwise conv and its batch norm carry the stem's channels to the pointwise conv", async () => {
    const input = image();
    const dw = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same' });
    const out = head(chain(input, conv('stem', 4), bn('bn0'), relu('relu0'), dw, bn('bn_dw'), relu('relu_dw'), conv('pw', 8, 1), bn('bn_pw'), relu('relu_pw')));
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: out })));
    expect(groups.map((g) => [g.root, g.channels])).toEqual([
      ['stem', 4],
      ['pw', 8],
      ['logits', 2],
    ]);
    expect(groupOf(groups, 'stem')).toEqual({
      root: 'stem',
      producers: ['stem'],
      channels: 4,
      layers: ['stem', 'bn0', 'relu0', 'dw', 'bn_dw', 'relu_dw', 'pw'],
      members: [
        ...producerOut('stem', 4),
        ...bnOut('bn0', 4),
        { layer: 'dw', param: 'depthwise_kernel', side: 'out', axes: [2, 3], indices: each(4) },
        { layer: 'dw', param: 'bias', side: 'out', axes: [0], indices: each(4) },
        ...bnOut('bn_dw', 4),
        readerIn('pw', each(4)),
      ],
      fixed: null,
    });
  });

  it('a depthwise multiplier gives each input channel its consecutive outputs', async () => {
    const input = image();
    const dw = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' });
    const out = head(chain(input, conv('stem', 3), dw, bn('bn_dw'), conv('pw', 4, 1)));
    const stem = groupOf(channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: out }))), 'stem');
    const pairs = range(3).map((c) => [2 * c, 2 * c + 1]);
    expect(stem.members.filter((m) => m.layer !== 'stem')).toEqual([
      { layer: 'dw', param: 'depthwise_kernel', side: 'out', axes: [2, 3], indices: pairs },
      { layer: 'dw', param: 'bias', side: 'out', axes: [0], indices: pairs },
      ...bnOut('bn_dw', 6, pairs),
      readerIn('pw', pairs),
    ]);
  });

  it('concatenation: each branch owns its offset range of the next conv, which flattens into the dense', async () => {
    const input = image([4, 4, 3]);
    const a = chain(input, conv('branch_a', 3), relu('relu_a'));
    const b = chain(input, conv('branch_b', 2, 1));
    const joined = tf.layers.concatenate({ name: 'concat' }).apply([a, b]) as tf.SymbolicTensor;
    const out = chain(joined, conv('mix', 2), tf.layers.flatten({ name: 'flatten' }), tf.layers.dropout({ name: 'drop', rate: 0.5 }), tf.layers.dense({ name: 'logits', units: 3 }));
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: out })));
    expect(groups.map((g) => [g.root, g.channels, g.fixed])).toEqual([
      ['branch_a', 3, null],
      ['branch_b', 2, null],
      ['mix', 2, null],
      ['logits', 3, "they are the model's output"],
    ]);
    expect(groupOf(groups, 'branch_a').members).toEqual([...producerOut('branch_a', 3), readerIn('mix', [[0], [1], [2]])]);
    expect(groupOf(groups, 'branch_b').members).toEqual([...producerOut('branch_b', 2), readerIn('mix', [[3], [4]])]);
    expect(groupOf(groups, 'branch_b').layers).toEqual(['branch_b', 'concat', 'mix']);
    // 4×4 positions, 2 channels: channel c is feature p·2 + c, through flatten and dropout.
    expect(groupOf(groups, 'mix').members.at(-1)).toEqual(readerIn('logits', [range(16).map((p) => 2 * p), range(16).map((p) => 2 * p + 1)], 0));
  });

  it("keeps a group whose channels meet the model's input at an add, or reach a layer it cannot follow", async () => {
    const input = image([6, 6, 3]);
    const summed = tf.layers.add({ name: 'add' }).apply([input, chain(input, conv('conv', 3))]) as tf.SymbolicTensor;
    const reshaped = chain(summed, conv('conv2', 2), tf.layers.reshape({ name: 'reshape', targetShape: [72] }), tf.layers.dense({ name: 'logits', units: 2 }));
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: reshaped })));
    expect(groups.map((g) => [g.root, g.fixed])).toEqual([
      ['conv', 'image (InputLayer) feeds them, and its channels cannot be removed'],
      ['conv2', 'reaches reshape (Reshape), whose channels prune-run cannot follow'],
      ['logits', "they are the model's output"],
    ]);
  });

  it('keeps a group a separable conv reads: its inner depthwise step has no axis the descriptors name', async () => {
    const input = image();
    const separable = tf.layers.separableConv2d({ name: 'sep', filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same' });
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: head(chain(input, conv('stem', 4), separable)) })));
    expect(groups.map((g) => [g.root, g.channels, g.fixed])).toEqual([
      ['stem', 4, 'sep (SeparableConv2D) reads them through an inner step prune-run cannot slice'],
      ['sep', 5, null],
      ['logits', 2, "they are the model's output"],
    ]);
    expect(groupOf(groups, 'sep').members).toEqual([
      { layer: 'sep', param: 'pointwise_kernel', side: 'out', axes: [3], indices: each(5) },
      { layer: 'sep', param: 'bias', side: 'out', axes: [0], indices: each(5) },
      readerIn('logits', each(5), 0),
    ]);
  });

  it("ResNet-8 (CIFAR style, one basic block per stage): the groups Torch-Pruning's DepGraph forms for the torch model", async () => {
    const input = image([16, 16, 3]);
    const block = (x: tf.SymbolicTensor, name: string, filters: number, project: boolean) => {
      const strides = project ? 2 : 1;
      const main = chain(
        x,
        tf.layers.conv2d({ name: `${name}_conv1`, filters, kernelSize: 3, strides, padding: 'same', useBias: false }),
        bn(`${name}_bn1`),
        relu(`${name}_relu1`),
        tf.layers.conv2d({ name: `${name}_conv2`, filters, kernelSize: 3, padding: 'same', useBias: false }),
        bn(`${name}_bn2`),
      );
      const shortcut = project ? chain(x, tf.layers.conv2d({ name: `${name}_down`, filters, kernelSize: 1, strides, useBias: false }), bn(`${name}_down_bn`)) : x;
      return chain(tf.layers.add({ name: `${name}_add` }).apply([main, shortcut]) as tf.SymbolicTensor, relu(`${name}_relu2`));
    };
    let x = chain(input, tf.layers.conv2d({ name: 'stem', filters: 16, kernelSize: 3, padding: 'same', useBias: false }), bn('stem_bn'), relu('stem_relu'));
    x = block(x, 'layer1', 16, false);
    x = block(x, 'layer2', 32, true);
    x = block(x, 'layer3', 64, true);
    const out = chain(x, tf.layers.globalAveragePooling2d({ name: 'gap' }), tf.layers.dense({ name: 'fc', units: 10 }));
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: out })));
    const readers = (g: ChannelGroup) => g.members.filter((m) => m.side === 'in').map((m) => m.layer);
    // DepGraph (get_all_groups over conv and linear roots): conv1 with layer1.0.conv2 through the
    // identity add; each block's conv1 alone; each projecting block's conv2 with its downsample conv.
    expect(groups.map((g) => ({ producers: g.producers, channels: g.channels, readers: readers(g), fixed: g.fixed }))).toEqual([
      { producers: ['stem', 'layer1_conv2'], channels: 16, readers: ['layer1_conv1', 'layer2_conv1', 'layer2_down'], fixed: null },
      { producers: ['layer1_conv1'], channels: 16, readers: ['layer1_conv2'], fixed: null },
      { producers: ['layer2_conv1'], channels: 32, readers: ['layer2_conv2'], fixed: null },
      { producers: ['layer2_conv2', 'layer2_down'], channels: 32, readers: ['layer3_conv1', 'layer3_down'], fixed: null },
      { producers: ['layer3_conv1'], channels: 64, readers: ['layer3_conv2'], fixed: null },
      { producers: ['layer3_conv2', 'layer3_down'], channels: 64, readers: ['fc'], fixed: null },
      { producers: ['fc'], channels: 10, readers: [], fixed: "they are the model's output" },
    ]);
    // Batch norm follows its conv: all four vectors of stem_bn, layer1_bn2 in the first group.
    expect(groups[0]!.members.filter((m) => m.layer.includes('_bn')).map((m) => `${m.layer}/${m.param}`)).toEqual([
      ...BN.map((p) => `stem_bn/${p}`),
      ...BN.map((p) => `layer1_bn2/${p}`),
    ]);
  });
});
