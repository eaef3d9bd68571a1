/**
 * The built-in ResNet and MobileNet through the command: --dry-run shows the model and the
 * parameters a selector picks from it, and a few training steps run, prune and record them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBuiltinModel } from '../../src/models/builtin.js';
import { allParameters } from '../../src/models/description.js';
import { makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';

const SMALL_DATA = 'data: {builtin: mnist, train_size: 32, test_size: 16}';

describe('built-in resnet and mobilenet in recipes', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await makeTempDir();
  });
  afterAll(async () => {
    await removeDir(cwd);
  });

  it('--dry-run names the model and lists the conv kernels a targets selector picks', async () => {
    const file = await writeRecipe(
      cwd,
      'resnet.yaml',
      `model: {builtin: resnet, depth: 8, width: 0.5}\n${SMALL_DATA}\nstages:\n  - name: convs\n` +
        '    targets: [{select: {layer: "conv*_conv", param: kernel}, method: l1_unstructured, amount: 0.3}]\n',
    );
    const result = await runCli(['--dry-run', file], cwd);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('built-in resnet-8, width 0.5, 28×28×1 images, 10 classes (init seed');
    const expected = allParameters(describeBuiltinModel({ name: 'resnet', options: { depth: 8, width: 0.5, inputShape: [28, 28, 1], classes: 10 } }))
      .filter((p) => p.layerType === 'conv2d')
      .map((p) => `${p.name} [${p.shape.join(', ')}]`);
    expect(expected).toHaveLength(9);
    // The tasks' part: the channel-group listing after it names every layer.
    const tasks = result.stdout.split('\nchannel groups')[0]!;
    const listed = expected.filter((line) => tasks.includes(line));
    expect(listed).toEqual(expected);
    expect(tasks).not.toContain('predictions/kernel');
  });

  it('trains a few steps, prunes the conv, depthwise and dense kernels globally, and records the model\'s options', async () => {
    const file = await writeRecipe(
      cwd,
      'mobilenet.yaml',
      `seed: 4\nmodel: {builtin: mobilenet, width: 0.25}\n${SMALL_DATA}\ntrain: {epochs: 1, batch_size: 16}\nstages:\n  - name: all\n` +
        '    global: {method: l1_unstructured, amount: 0.5, select: [{layer_type: [conv2d, depthwise_conv2d, dense], param: "*kernel"}]}\n',
    );
    const result = await runCli([file], cwd);
    expect(result.status).toBe(0);
    const [run] = await readdir(path.join(cwd, 'runs'));
    const folder = path.join(cwd, 'runs', run!);
    const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')) as { model: unknown };
    expect(manifest.model).toEqual({ builtin: 'mobilenet', width: 0.25, input_shape: [28, 28, 1], classes: 10 });
    const record = JSON.parse(await readFile(path.join(folder, 'record.json'), 'utf8')) as { parameters: { name: string; pruned: boolean }[] };
    const pruned = record.parameters.filter((p) => p.pruned).map((p) => p.name);
    expect(pruned).toEqual([
      'conv1/kernel',
      ...[1, 2, 3, 4].flatMap((i) => [`conv_dw_${i}/depthwise_kernel`, `conv_pw_${i}/kernel`]),
      'predictions/kernel',
    ]);
  });
});
