/**
 * prune.channelGroups(model) on models in memory: the same groups as the model's saved model.json
 * gives the planner (LeNet and a residual block), and a model with no input shape still groups.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { prune } from '../../src/api/index.js';
import { buildBuiltinModel } from '../../src/engine/builtinModels.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { channelGroups } from '../../src/models/channelGroups.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { describeTfModel } from '../models/describeTf.js';

describe('prune.channelGroups', () => {
  it("LeNet in memory: the static description's groups, conv2's channel owning 25 fc1 rows", () => {
    const model = buildLenet(3);
    const groups = prune.channelGroups(model);
    expect(groups).toEqual(channelGroups(LENET_DESCRIPTION));
    const fc1 = groups.find((g) => g.root === 'conv2')!.members.find((m) => m.layer === 'fc1')!;
    expect(fc1.indices[2]).toEqual(Array.from({ length: 25 }, (_, p) => p * 16 + 2));
    model.dispose();
  });

  it('ResNet-8: identical to the groups read back from its saved model.json, the add joining the stem and each block', async () => {
    const model = buildBuiltinModel({ name: 'resnet', options: { inputShape: [12, 12, 1], classes: 3, depth: 8, width: 0.25 } }, 1);
    const groups = prune.channelGroups(model);
    expect(groups).toEqual(channelGroups(await describeTfModel(model)));
    expect(groups.find((g) => g.root === 'conv1_conv')!.producers).toEqual(['conv1_conv', 'conv2_block1_2_conv']);
    model.dispose();
  });

  it('a model without a fixed input size groups all the same', () => {
    const input = tf.input({ shape: [null, null, 2] });
    const out = tf.layers.conv2d({ name: 'c', filters: 3, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(out) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ name: 'd', units: 2 }).apply(gap) as tf.SymbolicTensor });
    expect(prune.channelGroups(model).map((g) => [g.root, g.channels, g.fixed])).toEqual([
      ['c', 3, null],
      ['d', 2, "they are the model's output"],
    ]);
    model.dispose();
  });
});
