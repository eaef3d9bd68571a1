import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { compactModel } from '../../src/export/compact/index.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { expectTensorsClose } from '../helpers/tensors.js';
import { images, killChannels, predict, roundTrip, setWeight, weightShapes } from './compactHelpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const seeded = (seed: number) => tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed });

function removedOf(result: ReturnType<typeof compactModel>, name: string): readonly number[] {
  return result.layers.find((l) => l.name === name)!.removed;
}

describe('folding into a dense consumer', () => {
  function denseModel(): tf.Sequential {
    const model = tf.sequential();
    model.add(tf.layers.dense({ name: 'd1', inputShape: [5], units: 4, activation: 'relu', kernelInitializer: seeded(1), biasInitializer: seeded(2) }));
    model.add(tf.layers.dense({ name: 'd2', units: 3, kernelInitializer: seeded(3), biasInitializer: seeded(4) }));
    return model;
  }

  it('removes a relu unit with a negative bias (constant 0) without touching the consumer bias', () => {
    const model = denseModel();
    killChannels(model, 'd1', [1], [-0.5]);
    const result = compactModel(model);
    expect(removedOf(result, 'd1')).toEqual([1]);
    expect(weightShapes(result.model)['d2/kernel']).toEqual([3, 3]);
    expect(readWeight(weightNamed(result.model, 'd2/bias'))).toEqual(readWeight(weightNamed(model, 'd2/bias')));
    const x = tf.randomUniform([8, 5], -1, 1, 'float32', 5);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-5, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });

  it('folds a unit with a positive constant as bias + v·row', () => {
    const model = denseModel();
    killChannels(model, 'd1', [1, 3], [-0.5, 0.7]);
    const result = compactModel(model);
    expect(removedOf(result, 'd1')).toEqual([1, 3]);
    const kernel = readWeight(weightNamed(model, 'd2/kernel'));
    const bias = readWeight(weightNamed(model, 'd2/bias'));
    // Unit 1's constant is relu(−0.5) = 0 and adds nothing; unit 3 adds 0.7 × row 3.
    const expected = bias.map((b, o) => b + 0.7 * kernel[3 * 3 + o]!);
    expectTensorsClose(readWeight(weightNamed(result.model, 'd2/bias')), expected, { atol: 1e-6, rtol: 0 });
    [model, result.model].forEach((t) => t.dispose());
  });

  it('gives a consumer without bias only the units whose constant is 0', () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ name: 'd1', inputShape: [5], units: 4, activation: 'relu', kernelInitializer: seeded(1) }));
    model.add(tf.layers.dense({ name: 'd2', units: 3, useBias: false, kernelInitializer: seeded(3) }));
    killChannels(model, 'd1', [0, 2], [0.4, -0.4]);
    const result = compactModel(model);
    expect(removedOf(result, 'd1')).toEqual([2]);
    const x = tf.randomUniform([8, 5], -1, 1, 'float32', 6);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-5, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });

  it('keeps one unit when all are dead (TF.js cannot build a layer with none)', () => {
    const model = denseModel();
    killChannels(model, 'd1', [0, 1, 2, 3], [0.1, -0.1, 0.2, 0.3]);
    const result = compactModel(model);
    expect(removedOf(result, 'd1')).toEqual([1, 2, 3]);
    expect(weightShapes(result.model)['d2/kernel']).toEqual([1, 3]);
    const x = tf.randomUniform([8, 5], -1, 1, 'float32', 7);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-5, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });
});

describe('folding into a convolution', () => {
  /** a (valid) → b (`padding`) → flatten → out. */
  function convModel(padding: 'same' | 'valid'): tf.Sequential {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ name: 'a', inputShape: [7, 7, 2], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(1), biasInitializer: seeded(2) }));
    model.add(tf.layers.conv2d({ name: 'b', filters: 3, kernelSize: 3, padding, activation: 'relu', kernelInitializer: seeded(3), biasInitializer: seeded(4) }));
    model.add(tf.layers.flatten({ name: 'flat' }));
    model.add(tf.layers.dense({ name: 'out', units: 2, kernelInitializer: seeded(5), biasInitializer: seeded(6) }));
    return model;
  }

  it("keeps a channel with a nonzero constant before a 'same' convolution and removes one with 0", async () => {
    const model = convModel('same');
    killChannels(model, 'a', [1, 2], [0.4, -0.4]);
    const result = compactModel(model);
    expect(removedOf(result, 'a')).toEqual([2]);
    expect(weightShapes(result.model)['b/kernel']).toEqual([3, 3, 3, 3]);
    const x = images(8, 7, [7, 7, 2]);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-5, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });

  it("folds both into a 'valid' convolution", () => {
    const model = convModel('valid');
    killChannels(model, 'a', [1, 2], [0.4, -0.4]);
    const result = compactModel(model);
    expect(removedOf(result, 'a')).toEqual([1, 2]);
    expect(weightShapes(result.model)['b/kernel']).toEqual([3, 3, 2, 3]);
    const x = images(8, 8, [7, 7, 2]);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-5, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });

  it('removes a filter that read only removed channels: it is constant after the fold', () => {
    const model = convModel('valid');
    killChannels(model, 'a', [1, 2], [0.4, -0.4]);
    // b's filter 0 reads only a's channels 1 and 2.
    const kernel = readWeight(weightNamed(model, 'b/kernel'));
    for (let i = 0; i < kernel.length; i++) {
      const [input, output] = [Math.floor(i / 3) % 4, i % 3];
      if (output === 0 && input !== 1 && input !== 2) kernel[i] = 0;
    }
    setWeight(model, 'b/kernel', (i) => kernel[i]!);
    const result = compactModel(model);
    expect(removedOf(result, 'b')).toEqual([0]);
    const x = images(8, 9, [7, 7, 2]);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-5, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });
});

describe('channel-wise layers between producer and consumer', () => {
  it('passes constants through BatchNormalization, Activation, ReLU, pooling, Dropout and Flatten', async () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ name: 'c1', inputShape: [11, 11, 1], filters: 6, kernelSize: 3, kernelInitializer: seeded(1), biasInitializer: seeded(2) }));
    model.add(tf.layers.batchNormalization({ name: 'bn1' }));
    model.add(tf.layers.activation({ name: 'tanh', activation: 'tanh' }));
    model.add(tf.layers.reLU({ name: 'relu', maxValue: 0.5 }));
    model.add(tf.layers.averagePooling2d({ name: 'avg', poolSize: 2, padding: 'same' }));
    model.add(tf.layers.dropout({ name: 'drop', rate: 0.5 }));
    model.add(tf.layers.conv2d({ name: 'c2', filters: 5, kernelSize: 2, activation: 'relu', kernelInitializer: seeded(3), biasInitializer: seeded(4) }));
    model.add(tf.layers.maxPooling2d({ name: 'max', poolSize: 2 }));
    model.add(tf.layers.flatten({ name: 'flat' }));
    model.add(tf.layers.batchNormalization({ name: 'bn2', scale: false }));
    model.add(tf.layers.dense({ name: 'fc', units: 4, kernelInitializer: seeded(5), biasInitializer: seeded(6) }));
    // Nontrivial inference statistics, so BN(v) really differs from v (and per feature in bn2).
    for (const bn of ['bn1', 'bn2']) {
      setWeight(model, `${bn}/moving_mean`, (i) => 0.1 * ((i % 5) - 2));
      setWeight(model, `${bn}/moving_variance`, (i) => 0.5 + 0.1 * (i % 7));
      setWeight(model, `${bn}/beta`, (i) => 0.05 * ((i % 3) - 1));
    }
    setWeight(model, 'bn1/gamma', (i) => 0.8 + 0.1 * i);
    killChannels(model, 'c1', [0, 3, 4], [0.3, -0.2, 0.1]);
    killChannels(model, 'c2', [1, 2], [0.2, -0.3]);

    const result = compactModel(model);
    expect(removedOf(result, 'c1')).toEqual([0, 3, 4]);
    expect(removedOf(result, 'c2')).toEqual([1, 2]);
    const shapes = weightShapes(result.model);
    expect(shapes['bn1/gamma']).toEqual([3]);
    expect(shapes['bn1/moving_variance']).toEqual([3]);
    expect(shapes['c2/kernel']).toEqual([2, 2, 3, 3]);
    // c2 maps 6×6 to 5×5, pooled to 2×2: bn2 and fc see 2·2·3 features instead of 2·2·5.
    expect(shapes['bn2/beta']).toEqual([12]);
    expect(shapes['fc/kernel']).toEqual([12, 4]);
    const x = images(16, 10, [11, 11, 1]);
    const expected = predict(model, x);
    expectTensorsClose(predict(result.model, x), expected, { atol: 1e-5, rtol: 0 });
    const loaded = await roundTrip(result.model);
    expectTensorsClose(predict(loaded, x), expected, { atol: 1e-5, rtol: 0 });
    [x, model, result.model, loaded].forEach((t) => t.dispose());
  });
});

describe('functional chains and layers off the removal paths', () => {
  it('compacts a functional chain into a functional model with the same names', () => {
    const input = tf.input({ shape: [8, 8, 1], name: 'pixels' });
    const padded = tf.layers.zeroPadding2d({ name: 'pad', padding: 1 }).apply(input);
    const conv = tf.layers.conv2d({ name: 'conv', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(1), biasInitializer: seeded(2) }).apply(padded);
    const flat = tf.layers.flatten({ name: 'flat' }).apply(conv);
    const hidden = tf.layers.dense({ name: 'hidden', units: 6, activation: 'relu', kernelInitializer: seeded(3), biasInitializer: seeded(4) }).apply(flat);
    const logits = tf.layers.dense({ name: 'logits', units: 3, kernelInitializer: seeded(5), biasInitializer: seeded(6) }).apply(hidden);
    const output = tf.layers.leakyReLU({ name: 'leaky', alpha: 0.1 }).apply(logits) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output, name: 'chain' });
    killChannels(model, 'conv', [2], [0.25]);
    killChannels(model, 'hidden', [0, 5], [0.1, -0.1]);
    // A dead output unit stays: the output keeps its shape.
    killChannels(model, 'logits', [1], [0.2]);

    const result = compactModel(model);
    expect(result.model).not.toBeInstanceOf(tf.Sequential);
    // ZeroPadding2D and LeakyReLU are not on a removal path: copied as they are.
    expect(result.model.layers.map((l) => l.name)).toEqual(['pixels', 'pad', 'conv', 'flat', 'hidden', 'logits', 'leaky']);
    expect(result.layers.map((l) => [l.name, l.removed])).toEqual([
      ['conv', [2]],
      ['hidden', [0, 5]],
      ['logits', []],
    ]);
    expect(weightShapes(result.model)['hidden/kernel']).toEqual([8 * 8 * 3, 4]);
    const x = images(8, 11, [8, 8, 1]);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-5, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });
});
