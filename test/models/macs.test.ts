/**
 * MACs from the static description: LeNet's published figures, hand counts for a strided conv, a
 * depthwise conv and a dense layer, the positions of every kernel checked against the output
 * shapes of the real TF.js models (built-ins and a model.json), and the masked count.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildBuiltinModel } from '../../src/engine/builtinModels.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { describeBuiltinModel, type BuiltinModel } from '../../src/models/builtin.js';
import { allParameters } from '../../src/models/description.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { keptAlong, maskedMacs, modelMacs } from '../../src/models/macs.js';
import { describeTfModel } from './describeTf.js';

/** Output positions of each layer of a real TF.js model, by name (1 for a vector). */
function realPositions(model: tf.LayersModel): Map<string, number> {
  return new Map(model.layers.map((l) => {
    const shape = (l.outputShape as (number | null)[]).slice(1, -1) as number[];
    return [l.name, shape.reduce((a, b) => a * b, 1)];
  }));
}

describe('MACs', () => {
  it('LeNet: 199,968 MACs and 60,074 parameters, layer by layer as counted by hand', () => {
    const macs = modelMacs(LENET_DESCRIPTION);
    expect(macs.unknown).toBeNull();
    // conv1 26·26·3·3·1·6; conv2 11·11·3·3·6·16 (pool1 13×13); fc1 400·120; fc2 120·84; fc3 84·10.
    expect(macs.terms.map((t) => [t.param, t.macs])).toEqual([
      ['conv1/kernel', 26 * 26 * 9 * 6],
      ['conv2/kernel', 11 * 11 * 9 * 6 * 16],
      ['fc1/kernel', 48_000],
      ['fc2/kernel', 10_080],
      ['fc3/kernel', 840],
    ]);
    expect(macs.total).toBe(199_968);
    expect(allParameters(LENET_DESCRIPTION).reduce((n, p) => n + p.size, 0)).toBe(60_074);
  });

  it('a strided same-padded conv, a valid depthwise conv and a dense layer on a feature map, by hand', async () => {
    const input = tf.input({ shape: [9, 7, 3], name: 'image' });
    const conv = tf.layers.conv2d({ name: 'conv', filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const dw = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: [3, 2], depthMultiplier: 2 }).apply(conv) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ name: 'dense', units: 5 }).apply(dw) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: dense });
    const macs = modelMacs(await describeTfModel(model));
    // conv: out 5×4 (ceil(9/2), ceil(7/2)), 3·3·3·4 entries; dw: out 3×3 (valid 5−3+1, 4−2+1), 3·2·4·2 entries;
    // dense: 4·2 = 8 inputs × 5 units at each of the 3×3 positions.
    expect(macs.terms.map((t) => [t.param, t.positions, t.macs])).toEqual([
      ['conv/kernel', 20, 20 * 3 * 3 * 3 * 4],
      ['dw/depthwise_kernel', 9, 9 * 3 * 2 * 4 * 2],
      ['dense/kernel', 9, 9 * 8 * 5],
    ]);
    expect(macs.total).toBe(2160 + 432 + 360);
    model.dispose();
  });

  it.each<BuiltinModel>([
    { name: 'resnet', options: { inputShape: [28, 28, 1], classes: 10, depth: 8, width: 1 } },
    { name: 'mobilenet', options: { inputShape: [32, 32, 3], classes: 7, width: 0.5 } },
  ])('$name: every kernel is applied at its real layer\'s output positions', (spec) => {
    const model = buildBuiltinModel(spec, 1);
    const positions = realPositions(model);
    const macs = modelMacs(describeBuiltinModel(spec));
    expect(macs.unknown).toBeNull();
    for (const term of macs.terms) expect([term.layer, term.positions]).toEqual([term.layer, positions.get(term.layer)]);
    model.dispose();
  });

  it("LeNet read from its model.json gives the static description's MACs", async () => {
    const model = buildLenet(1);
    expect(modelMacs(await describeTfModel(model)).total).toBe(199_968);
    model.dispose();
  });

  it('masked: a removed conv2 filter and its 25 fc1 rows leave what the compact model computes', () => {
    const macs = modelMacs(LENET_DESCRIPTION);
    const conv2 = new Uint8Array(9 * 6 * 16).fill(1);
    for (let i = 5; i < conv2.length; i += 16) conv2[i] = 0; // filter 5
    const fc1 = new Uint8Array(400 * 120).fill(1);
    for (let p = 0; p < 25; p++) fc1.fill(0, (p * 16 + 5) * 120, (p * 16 + 6) * 120);
    fc1[7] = 0; // one unstructured zero removes nothing
    const masked = maskedMacs(macs, new Map([['conv2/kernel', conv2], ['fc1/kernel', fc1]]));
    expect(masked).toBe(199_968 - 11 * 11 * 9 * 6 - 25 * 120);
    expect(keptAlong([2, 3], [1], Uint8Array.from([1, 0, 0, 0, 0, 0]))).toBe(1);
  });

  it('unknown without an input shape, and says why', () => {
    const { inputShape: _, ...withoutShape } = LENET_DESCRIPTION;
    const macs = modelMacs(withoutShape);
    expect(macs.total).toBeNull();
    expect(macs.unknown).toBe('builtin:lenet does not state its input shape');
    expect(maskedMacs(macs, new Map())).toBeNull();
  });
});
