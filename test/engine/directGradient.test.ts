/**
 * The direct training pass (src/engine/direct/) against TF.js's autodiff on the same weights and
 * images: the same loss, hits and gradient (to float rounding), nothing left on the backend, and
 * every model it does not cover sent to the autodiff path instead.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { directNetOf, fitsData } from '../../src/engine/direct/net.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { shardGradient } from '../../src/engine/parallel/shardGradient.js';
import { ParameterVector } from '../../src/engine/parameterVector.js';
import { expectDirectMatchesAutodiff } from '../helpers/directPass.js';

const data = syntheticDataset({ trainCount: 64, testCount: 8, seed: 5 });
const input = { split: data.train, imageShape: data.imageShape, numClasses: data.numClasses };

beforeAll(async () => {
  await selectBackend('wasm');
});

function compare(model: tf.LayersModel, images: number, batchSize: number): void {
  const indices = Uint32Array.from({ length: images }, (_, i) => (i * 7 + 3) % data.train.count);
  expectDirectMatchesAutodiff(model, input, indices, batchSize, { rtol: 1e-4, atol: 1e-5 });
}

/** Layers and options the direct pass covers beyond LeNet's. */
function variedModel(): tf.Sequential {
  const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed + 1 }) });
  const model = tf.sequential();
  // A pool first (no gradient needed before the first weights); a strided 'same' conv without ReLU
  // and an overlapping 3×3 'same' pool after it (which sums the bias gradient, gating nothing); a
  // ReLU conv and a pool that fuses both its ReLU and its bias; a ReLU conv without bias and no
  // pool; dense layers with and without ReLU and bias.
  model.add(tf.layers.maxPooling2d({ inputShape: [...data.imageShape], poolSize: 2, strides: 1 }));
  model.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', ...init(1) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }));
  model.add(tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], activation: 'relu', ...init(3) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'relu', useBias: false, ...init(11) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 12, activation: 'relu', ...init(5) }));
  model.add(tf.layers.dense({ units: 9, useBias: false, ...init(7) }));
  model.add(tf.layers.dense({ units: data.numClasses, activation: 'relu', ...init(9) }));
  return model;
}

describe('the direct training pass', () => {
  it('gives LeNet the gradient, loss and hits of tf.variableGrads', () => {
    const model = buildLenet(3);
    compare(model, 32, 64);
    model.dispose();
  });

  it('covers strides, same padding, overlapping pools, no bias and linear layers', () => {
    const model = variedModel();
    compare(model, 24, 24);
    compare(model, 1, 8); // a one-image shard
    model.dispose();
  });

  it('trains a model whose output is a softmax on the cross-entropy of its probabilities', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [...data.imageShape], filters: 3, kernelSize: 5, strides: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: data.numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    expect(directNetOf(model, ParameterVector.of(model))?.output).toBe('probabilities');
    compare(model, 16, 32);
    model.dispose();
  });

  it('draws dropout masks from the shard\'s images: the same images the same masks, and the gradient of that masked loss', () => {
    // Linear layers only, so the loss is smooth and finite differences check the gradient
    // through the mask (the masks depend only on the indices, so the loss is a function of w).
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [...data.imageShape] }),
        tf.layers.dense({ units: 16, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: data.numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }),
      ],
    });
    const vector = ParameterVector.of(model);
    expect(directNetOf(model, vector)).not.toBeNull();
    const indices = Uint32Array.from({ length: 12 }, (_, i) => i * 5);
    const gradient = (at: Uint32Array) => {
      const out = new Float32Array(vector.size);
      const { loss } = shardGradient(model, vector, input, at, 12, out);
      return { out, loss };
    };
    const first = gradient(indices);
    expect(gradient(indices).out).toEqual(first.out);
    const other = gradient(Uint32Array.from(indices).reverse());
    expect(other.out).not.toEqual(first.out); // other order, other masks (the same images)

    // About half the hidden units of each image are dropped: their rows of fc2's gradient are zero
    // only when dropped for every image, so count a single image's.
    const single = new Float32Array(vector.size);
    shardGradient(model, vector, input, Uint32Array.of(3), 1, single);
    const fc2 = vector.slots[2]!;
    let zeroRows = 0;
    for (let unit = 0; unit < 16; unit++) {
      const row = single.subarray(fc2.offset + unit * data.numClasses, fc2.offset + (unit + 1) * data.numClasses);
      if (row.every((v) => v === 0)) zeroRows++;
    }
    expect(zeroRows).toBeGreaterThan(2);
    expect(zeroRows).toBeLessThan(14);

    const weights = new Float32Array(vector.size);
    vector.read(weights);
    const fc1 = vector.slots[0]!;
    for (const k of [fc1.offset + 5, fc1.offset + 300 * 16 + 7, vector.slots[1]!.offset + 3]) {
      const h = 1e-2;
      const lossAt = (delta: number) => {
        const moved = Float32Array.from(weights);
        moved[k] = moved[k]! + delta;
        vector.write(moved);
        return gradient(indices).loss;
      };
      const numeric = (lossAt(h) - lossAt(-h)) / (2 * h);
      vector.write(weights);
      expect(Math.abs(first.out[k]! - numeric)).toBeLessThan(1e-3 * Math.abs(numeric) + 1e-6);
    }
    model.dispose();
  });

  it('leaves every other model to autodiff', () => {
    const cases: [string, () => tf.LayersModel][] = [
      ['dropout with a noise shape', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dropout({ rate: 0.5, noiseShape: [1, 784] }), tf.layers.dense({ units: 10 })] })],
      ['gaussian noise', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.gaussianNoise({ stddev: 0.1 }), tf.layers.dense({ units: 10 })] })],
      ['a softmax inside', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 8, activation: 'softmax' }), tf.layers.dense({ units: 10 })] })],
      ['a regularizer', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, kernelRegularizer: tf.regularizers.l2() })] })],
      ['dilation', () => tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, dilationRate: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })] })],
      ['a frozen layer', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 8, trainable: false }), tf.layers.dense({ units: 10 })] })],
      ['a dense layer on images', () => tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3 }), tf.layers.dense({ units: 10 })] })],
      ['no dense output', () => tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 10, kernelSize: 28 }), tf.layers.flatten()] })],
      ['a conv with a ReLU6 activation', () => tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, activation: 'relu6' }), tf.layers.flatten(), tf.layers.dense({ units: 10 })] })],
      ['a ReLU capped at 3', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.reLU({ maxValue: 3 }), tf.layers.dense({ units: 10 })] })],
      ['a tanh activation layer', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.activation({ activation: 'tanh' }), tf.layers.dense({ units: 10 })] })],
      ['batch norm without centre', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.batchNormalization({ center: false }), tf.layers.dense({ units: 10 })] })],
      ['batch norm over rows', () => tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3 }), tf.layers.batchNormalization({ axis: 1 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })] })],
      ['a frozen batch norm', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.batchNormalization({ trainable: false }), tf.layers.dense({ units: 10 })] })],
      ['a depthwise conv with dilation', () => tf.sequential({ layers: [tf.layers.depthwiseConv2d({ inputShape: [28, 28, 1], kernelSize: 3, dilationRate: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })] })],
      [
        'a layer applied twice',
        () => {
          const x = tf.input({ shape: [28, 28, 1] });
          const shared = tf.layers.conv2d({ filters: 1, kernelSize: 1 });
          const twice = shared.apply(shared.apply(x)) as tf.SymbolicTensor;
          return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 10 }).apply(tf.layers.flatten().apply(twice)) as tf.SymbolicTensor });
        },
      ],
      [
        'a nested model',
        () => {
          const inner = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] })] });
          return tf.sequential({ layers: [inner, tf.layers.dense({ units: 10 })] });
        },
      ],
    ];
    for (const [what, make] of cases) {
      const model = make();
      expect(directNetOf(model, ParameterVector.of(model)), what).toBeNull();
      model.dispose();
    }
  });

  it('leaves data the model does not fit to autodiff, which reports the mismatch', () => {
    const model = buildLenet(1);
    const vector = ParameterVector.of(model);
    const net = directNetOf(model, vector)!;
    expect(fitsData(net, [28, 28, 1], 10)).toBe(true);
    expect(fitsData(net, [28, 28, 1], 12)).toBe(false);
    expect(fitsData(net, [32, 32, 1], 10)).toBe(false);
    const other = syntheticDataset({ trainCount: 8, testCount: 2, seed: 1, numClasses: 12 });
    const out = new Float32Array(vector.size);
    const run = () => shardGradient(model, vector, { split: other.train, imageShape: other.imageShape, numClasses: other.numClasses }, Uint32Array.of(0, 1), 2, out);
    expect(run).toThrow();
    model.dispose();
  });
});
