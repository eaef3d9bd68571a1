/**
 * The direct training pass over functional graphs and the layers of the built-in ResNet and
 * MobileNet (batch norm, add, depthwise convs, global and plain average pooling, ReLU/ReLU6 and
 * Activation layers, strided 'same' convs): the loss, hits, gradient and batch-norm statistics of
 * autodiff to float rounding, batch norm's backward against finite differences, and a few training
 * steps to autodiff's weights.
 *
 * Tolerances: both passes run the same float32 XNNPACK kernels for convs and products; they differ
 * in the order and precision of sums (the direct pass sums batch norm, pooling and bias gradients
 * in float64, TF.js in float32), about 1e-7 relative per operation, which a few layers of backward
 * pass grow to about 1e-5. Batch norm's input gradient subtracts per-channel means from the
 * gradient, so entries near zero carry the absolute error of the larger ones: the absolute
 * tolerance is relative to the weight's largest gradient entry.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildArchitecture } from '../../src/engine/builtinModels.js';
import { directNetOf } from '../../src/engine/direct/net.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { shardGradient } from '../../src/engine/parallel/shardGradient.js';
import { ParameterVector } from '../../src/engine/parameterVector.js';
import { trainEpochs } from '../../src/engine/train.js';
import { mobilenetArchitecture } from '../../src/models/mobilenet.js';
import { resnetArchitecture } from '../../src/models/resnet.js';
import type { TrainConfig } from '../../src/recipe/types.js';
import { expectDirectMatchesAutodiff, expectShardsMatchWholeBatch } from '../helpers/directPass.js';
import { expectTensorsClose } from '../helpers/tensors.js';

const data = syntheticDataset({ trainCount: 72, testCount: 8, seed: 7 });
const input = { split: data.train, imageShape: data.imageShape, numClasses: data.numClasses };
const TOLERANCE = { rtol: 1e-3, atol: 1e-4 };
const shape = { inputShape: [28, 28, 1] as const, classes: 10 };

beforeAll(async () => {
  await selectBackend('wasm');
});

const glorot = (seed: number) => tf.initializers.glorotUniform({ seed });
const small = (seed: number) => tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed });
/** Batch norm with γ and β away from 1 and 0, so that their gradients are not a special case. */
const batchNorm = (seed: number) => tf.layers.batchNormalization({ gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed }), betaInitializer: small(seed + 1) });
const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

/** Residual blocks: a conv read by two branches, strided 'same' convs, batch norm, adds (one reading a tensor twice), ReLU and ReLU6. */
function residualModel(): tf.LayersModel {
  const x = tf.input({ shape: [28, 28, 1] });
  const stem = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: glorot(1), biasInitializer: small(2) }), x);
  let a = apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: glorot(3) }), stem);
  a = apply(tf.layers.reLU(), apply(batchNorm(4), a));
  a = apply(batchNorm(6), apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: glorot(8) }), a));
  const shortcut = apply(batchNorm(9), apply(tf.layers.conv2d({ filters: 6, kernelSize: 1, strides: 2, padding: 'same', useBias: false, kernelInitializer: glorot(11) }), stem));
  const block = apply(tf.layers.reLU({ maxValue: 6 }), apply(tf.layers.add(), [a, shortcut]));
  const doubled = apply(tf.layers.activation({ activation: 'linear' }), apply(tf.layers.add(), [block, block, shortcut]));
  const pooled = apply(tf.layers.globalAveragePooling2d({}), doubled);
  return tf.model({ inputs: x, outputs: apply(tf.layers.dense({ units: 10, kernelInitializer: glorot(12), biasInitializer: small(13) }), pooled) });
}

/** Depthwise convs (multiplier 2 with bias and ReLU, strided; multiplier 1, linear), average pools (valid, same), batch norm on rows, Activation relu6. */
function depthwiseModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(1) }));
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu', depthwiseInitializer: glorot(2), biasInitializer: small(3) }));
  model.add(batchNorm(4));
  model.add(tf.layers.activation({ activation: 'relu6' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: glorot(6) }));
  model.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 12, useBias: false, kernelInitializer: glorot(7) })); // a bias before batch norm has no gradient
  model.add(batchNorm(9));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(11) }));
  return model;
}

const resnet = (seed: number) => buildArchitecture(resnetArchitecture({ ...shape, depth: 8, width: 0.25 }), seed);
const mobilenet = (seed: number) => buildArchitecture(mobilenetArchitecture({ ...shape, width: 0.25 }), seed);
const indices = (count: number) => Uint32Array.from({ length: count }, (_, i) => (i * 5 + 1) % data.train.count);

describe('the direct pass over graphs', () => {
  it('gives residual blocks the gradient, loss, hits and batch-norm statistics of autodiff', () => {
    const model = residualModel();
    expectDirectMatchesAutodiff(model, input, indices(20), 32, TOLERANCE);
    expectDirectMatchesAutodiff(model, input, indices(3), 8, TOLERANCE);
    model.dispose();
  });

  it('gives depthwise convs, average pools and batch norm on rows the gradient of autodiff', () => {
    const model = depthwiseModel();
    expectDirectMatchesAutodiff(model, input, indices(16), 16, TOLERANCE);
    model.dispose();
  });

  it('gives the built-in ResNet-8 and MobileNet the gradient of autodiff', () => {
    // Each ReLU/ReLU6 layer after a batch norm is taken into it; a batch norm before an add keeps none.
    const resnetActivation = (name: string) => (name === 'conv1_bn' || name.endsWith('_1_bn') ? 'relu' : 'linear');
    for (const [model, activation] of [[resnet(3), resnetActivation], [mobilenet(4), () => 'relu6']] as const) {
      const batchNorms = directNetOf(model, ParameterVector.of(model))!.nodes.flatMap((n) => (n.layer.kind === 'batchNorm' ? [n.layer] : []));
      expect(batchNorms.length).toBeGreaterThan(4);
      for (const layer of batchNorms) expect(layer.activation, layer.name).toBe(activation(layer.name));
      expectDirectMatchesAutodiff(model, input, indices(24), 48, TOLERANCE);
      model.dispose();
    }
  });

  it('normalises by the whole batch across shards: the shards in lockstep give the gradient of autodiff on the whole batch', () => {
    const residual = residualModel();
    expectShardsMatchWholeBatch(residual, input, indices(20), 2, TOLERANCE);
    // A batch smaller than its shards: the empty one stops at every batch norm with nothing to add.
    expectShardsMatchWholeBatch(residual, input, indices(1), 2, TOLERANCE);
    residual.dispose();
    const depthwise = depthwiseModel();
    expectShardsMatchWholeBatch(depthwise, input, indices(16), 3, TOLERANCE); // shards of 6, 5 and 5
    depthwise.dispose();
    for (const model of [resnet(3), mobilenet(4)]) {
      expectShardsMatchWholeBatch(model, input, indices(24), 2, TOLERANCE);
      model.dispose();
    }
  });

  it("computes batch norm's gradient over two shards as finite differences of the whole batch's loss do", () => {
    // Linear layers only around the batch norms, so the loss is smooth in every weight.
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 3, kernelSize: 5, strides: 3, kernelInitializer: glorot(1), biasInitializer: small(2), name: 'conv' }),
        tf.layers.batchNormalization({ name: 'bn1', gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 3 }), betaInitializer: small(4) }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 6, kernelInitializer: glorot(5), name: 'fc1' }),
        tf.layers.batchNormalization({ name: 'bn2', gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 6 }), betaInitializer: small(7) }),
        tf.layers.dense({ units: 10, kernelInitializer: glorot(8), name: 'fc2' }),
      ],
    });
    const vector = ParameterVector.of(model);
    expect(directNetOf(model, vector)).not.toBeNull();
    const at = indices(12);
    // Two shards' parts summed; the loss of the whole batch as one shard.
    const gradient = expectShardsMatchWholeBatch(model, input, at, 2, TOLERANCE);
    const weights = vector.read(new Float32Array(vector.size));
    const lossAt = (k: number, delta: number) => {
      const moved = Float32Array.from(weights);
      moved[k] = moved[k]! + delta;
      vector.write(moved);
      return shardGradient(model, vector, input, at, 12, new Float32Array(vector.size)).loss;
    };
    const slot = (name: string) => vector.slots.find((s) => s.name === name)!.offset;
    const entries = [slot('conv/kernel') + 7, slot('bn1/gamma') + 1, slot('fc1/kernel') + 4, slot('bn2/gamma') + 3, slot('bn2/beta'), slot('fc2/bias') + 5];
    for (const k of entries) {
      const h = 1e-2;
      const numeric = (lossAt(k, h) - lossAt(k, -h)) / (2 * h);
      expect(Math.abs(numeric), `entry ${String(k)}`).toBeGreaterThan(1e-4);
      expect(Math.abs(gradient[k]! - numeric), `entry ${String(k)}`).toBeLessThan(3e-3 * Math.abs(numeric) + 3e-5);
    }
    // A shift per channel before a batch norm does not change the loss (the batch norm subtracts
    // it again): the conv's bias before bn1, and bn1's β, which only shifts fc1's outputs before bn2.
    for (const k of [slot('conv/bias'), slot('conv/bias') + 2, slot('bn1/beta'), slot('bn1/beta') + 1]) expect(Math.abs(gradient[k]!), `entry ${String(k)}`).toBeLessThan(1e-6);
    vector.write(weights);
    model.dispose();
  });
});

/** Every weight of the model, batch-norm statistics included. */
const weightsOf = (model: tf.LayersModel) => model.weights.map((w) => w.read().dataSync() as Float32Array);

const trainData = data;

describe('training through the direct pass', () => {
  it("trains ResNet-8 to autodiff's weights and moving statistics, bit for bit on one thread as on two, leaking no tensor", async () => {
    // Four steps of two shards against autodiff, which trains a model with batch norm on each batch
    // whole (its layers normalise by the images they are called on). A ReLU whose input is within
    // rounding of zero can fall on either side in the two passes, and switch that entry's gradient:
    // with a larger rate or more steps that happens (at rate 0.1, in the third step, direct on one
    // shard as on two), and the weights then part by up to 1e-2 of their scale.
    const config: TrainConfig = { epochs: 2, batchSize: 24, optimizer: 'sgd', learningRate: 0.05 };
    const data = { ...trainData, train: { ...trainData.train, count: 48 } };
    const train = async (threads: number, autodiffOnly: boolean) => {
      const model = resnet(5);
      const tensors = tf.memory().numTensors;
      await trainEpochs(model, data, { config, seed: 2, masks: MaskBinding.none(), sharding: { shards: 2, threads, backend: 'wasm', autodiffOnly } });
      expect(tf.memory().numTensors).toBe(tensors);
      const weights = weightsOf(model);
      model.dispose();
      return weights;
    };
    const direct = await train(1, false);
    const autodiff = await train(1, true);
    const initial = resnet(5);
    const start = weightsOf(initial);
    initial.dispose();
    for (const [i, values] of autodiff.entries()) {
      expect(values, `weight ${String(i)} moved`).not.toEqual(start[i]);
      expectTensorsClose(direct[i]!, values, { rtol: 1e-3, atol: 1e-5 });
    }
    expect(await train(2, false)).toEqual(direct);
  });
});
