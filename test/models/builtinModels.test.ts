import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildBuiltinModel } from '../../src/engine/builtinModels.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { architectureWeights } from '../../src/models/architecture.js';
import { builtinArchitecture, describeBuiltinModel, type BuiltinModel } from '../../src/models/builtin.js';
import { allParameters, isTrainableParam } from '../../src/models/description.js';
import { describeModelJson } from '../../src/models/modelJson.js';

const MNIST = { inputShape: [28, 28, 1] as const, classes: 10 };
const resnet8: BuiltinModel = { name: 'resnet', options: { ...MNIST, depth: 8, width: 1 } };
const mobilenet: BuiltinModel = { name: 'mobilenet', options: { ...MNIST, width: 1 } };
const small: BuiltinModel[] = [
  { name: 'resnet', options: { inputShape: [32, 32, 3], classes: 7, depth: 14, width: 0.5 } },
  { name: 'mobilenet', options: { inputShape: [32, 32, 3], classes: 7, width: 0.25 } },
];

const parameterCount = (model: BuiltinModel) => allParameters(describeBuiltinModel(model)).reduce((n, p) => n + p.size, 0);

describe('built-in ResNet and MobileNet', () => {
  it('have the parameter counts of the issue\'s ResNet-8 and MobileNet (torch counts: batch-norm statistics are buffers)', () => {
    expect(parameterCount(resnet8)).toBe(77_754);
    expect(parameterCount(mobilenet)).toBe(18_826);
  });

  it.each(small)('$name: the TF.js model has exactly the layers and weights its description lists', (spec) => {
    const model = buildBuiltinModel(spec, 1);
    const description = describeBuiltinModel(spec);
    expect(model.layers.map((l) => [l.name, l.getClassName()])).toEqual(description.layers.map((l) => [l.name, l.className]));
    expect(model.trainableWeights.map((w) => ({ name: w.originalName, shape: w.shape }))).toEqual(
      allParameters(description).map((p) => ({ name: p.name, shape: p.shape })),
    );
    const architecture = builtinArchitecture(spec)!;
    // TF.js lists the trained weights first, then the batch-norm statistics.
    const statistics = architectureWeights(architecture).filter((w) => !isTrainableParam(w.name.split('/')[1]!));
    expect(model.nonTrainableWeights.map((w) => ({ name: w.originalName, shape: w.shape }))).toEqual(statistics);
    expect(model.outputs[0]?.shape).toEqual([null, 7]);
    const logits = tf.tidy(() => (model.predict(tf.ones([2, 32, 32, 3])) as tf.Tensor).arraySync() as number[][]);
    expect(logits.flat().every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it.each(small)('$name: describing a saved copy (model.json) gives the same layers and parameters', async (spec) => {
    const model = buildBuiltinModel(spec, 1);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    model.dispose();
    const dir = await mkdtemp(path.join(tmpdir(), 'builtin-'));
    const file = path.join(dir, 'model.json');
    await writeFile(file, JSON.stringify({ modelTopology: artifacts?.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts?.weightSpecs }] }));
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts!.weightData)));
    const fromJson = await describeModelJson(file, { file, line: 1, col: 1 });
    await rm(dir, { recursive: true });
    expect(fromJson.layers).toEqual(describeBuiltinModel(spec).layers);
  });

  it('resnet: residual adds with 1×1 projections where the shape changes, stride 2 at stages 2 and 3', () => {
    const layers = builtinArchitecture(resnet8)!.layers;
    const adds = layers.filter((l) => l.kind === 'add').map((l) => (l.kind === 'add' ? l.inputs : []));
    expect(adds).toEqual([
      ['conv1_relu', 'conv2_block1_2_bn'],
      ['conv3_block1_0_bn', 'conv3_block1_2_bn'],
      ['conv4_block1_0_bn', 'conv4_block1_2_bn'],
    ]);
    const strided = layers.filter((l) => l.kind === 'conv' && l.strides === 2).map((l) => l.name);
    expect(strided).toEqual(['conv3_block1_1_conv', 'conv3_block1_0_conv', 'conv4_block1_1_conv', 'conv4_block1_0_conv']);
    const resnet20 = builtinArchitecture({ name: 'resnet', options: { ...MNIST, depth: 20, width: 1 } })!;
    expect(resnet20.layers.filter((l) => l.kind === 'conv').length).toBe(1 + 3 * 3 * 2 + 2);
  });

  it.each([resnet8, mobilenet])('$name: the seed alone decides the initial weights, at torch\'s default scale', (spec) => {
    const [a, b, c] = [buildBuiltinModel(spec, 5), buildBuiltinModel(spec, 5), buildBuiltinModel(spec, 6)];
    const all = (m: tf.LayersModel) => m.weights.map((w) => Array.from(readWeight(w)));
    expect(all(a)).toEqual(all(b));
    const kernel = spec.name === 'resnet' ? 'conv4_block1_2_conv/kernel' : 'conv_pw_4/kernel';
    const first = (m: tf.LayersModel) => readWeight(weightNamed(m, kernel));
    expect(first(a)).not.toEqual(first(c));
    // A 3×3 conv over 64 channels (or a 1×1 over 64): bound 1/√fan_in.
    const fanIn = spec.name === 'resnet' ? 9 * 64 : 64;
    expect(Math.max(...first(a).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
    expect(Array.from(readWeight(weightNamed(a, 'conv1_bn/gamma')))).toEqual(Array(16).fill(1));
    [a, b, c].forEach((m) => m.dispose());
  });
});
