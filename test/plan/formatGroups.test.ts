/** --dry-run lists the model's channel groups, one line per group, after the plan's tasks. */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { channelGroups } from '../../src/models/channelGroups.js';
import { formatChannelGroups } from '../../src/plan/formatGroups.js';
import { runCli } from '../helpers/cli.js';
import { describeTfModel } from '../models/describeTf.js';

const RECIPES = path.resolve(import.meta.dirname, '../../recipes');

const LENET_GROUPS = [
  'channel groups (5, channels removed together):',
  '  group conv1 (6 channels): conv1/kernel,bias out, pool1, conv2/kernel in',
  '  group conv2 (16 channels): conv2/kernel,bias out, pool2, flatten, fc1/kernel in (25 rows each)',
  '  group fc1 (120 channels): fc1/kernel,bias out, fc2/kernel in',
  '  group fc2 (84 channels): fc2/kernel,bias out, fc3/kernel in',
  "  group fc3 (10 channels): fc3/kernel,bias out — kept: they are the model's output",
];

describe('the channel-group listing', () => {
  it("prune-run --dry-run ends with LeNet's groups", async () => {
    const result = await runCli(['--dry-run', path.join(RECIPES, 'lenet-filters.yaml')], RECIPES);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n').slice(-LENET_GROUPS.length)).toEqual(LENET_GROUPS);
  });

  it("names every layer a residual group touches: batch norms with their statistics, the depthwise conv's two slices per channel, a pointwise conv that both reads and feeds the add", async () => {
    await tf.ready(); // the CLI run above may have registered a backend that initialises asynchronously
    const input = tf.input({ shape: [8, 8, 3], name: 'image' });
    const stem = tf.layers.conv2d({ name: 'stem', filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const x = tf.layers.batchNormalization({ name: 'bn0' }).apply(stem) as tf.SymbolicTensor;
    const dw = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    const pw = tf.layers.conv2d({ name: 'pw', filters: 4, kernelSize: 1 }).apply(dw) as tf.SymbolicTensor;
    const added = tf.layers.add({ name: 'add_1' }).apply([x, pw]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ name: 'logits', units: 1 }).apply(tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(added)) as tf.SymbolicTensor;
    const groups = channelGroups(await describeTfModel(tf.model({ inputs: input, outputs: out })));
    expect(formatChannelGroups(groups)).toEqual([
      'channel groups (2, channels removed together):',
      '  group stem (4 channels): stem/kernel,bias out, bn0/gamma,beta,moving_mean,moving_variance, dw/depthwise_kernel,bias out (2 slices each), pw/kernel,bias out, pw/kernel in (2 rows each), add_1, gap, logits/kernel in',
      "  group logits (1 channel): logits/kernel,bias out — kept: they are the model's output",
    ]);
  });
});
