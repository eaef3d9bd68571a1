/**
 * Folding for inference (export.fold_batch_norm): batch norms with live statistics fold into the
 * conv, depthwise conv or dense layer they read, activation layers into that layer's activation;
 * the folded model predicts what the original does (up to float rounding), and a batch norm or
 * activation that does not read such a layer alone (after an add, or beside another reader) stays.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { foldForInference } from '../../src/export/compact/foldLayers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const init = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed });

/** Gives every batch norm statistics and affine parameters far from the identity. */
function liveNorms(model: tf.LayersModel): void {
  let seed = 100;
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    layer.setWeights(
      layer.weights.map((w) => {
        const part = w.originalName.split('/').at(-1);
        const values = tf.randomUniform(w.shape as number[], 0.2, 1.5, 'float32', seed++);
        return part === 'moving_mean' || part === 'beta' ? tf.tidy(() => values.sub(0.8)) : values;
      }),
    );
  }
}

/** conv → bn → relu6 → depthwise → bn → relu → conv 1×1 → bn → add(with the first relu6) → relu → gap → dense → bn. */
function blockModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3] });
  const stem = tf.layers.conv2d({ name: 'stem', filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  const stemNorm = tf.layers.batchNormalization({ name: 'stem_bn', epsilon: 1e-5 }).apply(stem) as tf.SymbolicTensor;
  const stemRelu = tf.layers.reLU({ name: 'stem_relu', maxValue: 6 }).apply(stemNorm) as tf.SymbolicTensor;
  const dw = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init(2) }).apply(stemRelu) as tf.SymbolicTensor;
  const dwNorm = tf.layers.batchNormalization({ name: 'dw_bn' }).apply(dw) as tf.SymbolicTensor;
  const dwRelu = tf.layers.activation({ name: 'dw_relu', activation: 'relu' }).apply(dwNorm) as tf.SymbolicTensor;
  const pw = tf.layers.conv2d({ name: 'pw', filters: 4, kernelSize: 1, kernelInitializer: init(3) }).apply(dwRelu) as tf.SymbolicTensor;
  const pwNorm = tf.layers.batchNormalization({ name: 'pw_bn' }).apply(pw) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([pwNorm, stemRelu]) as tf.SymbolicTensor;
  const sumRelu = tf.layers.activation({ name: 'sum_relu', activation: 'relu' }).apply(sum) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(sumRelu) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'logits', units: 5, kernelInitializer: init(4) }).apply(pooled) as tf.SymbolicTensor;
  const logitsNorm = tf.layers.batchNormalization({ name: 'logits_bn' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logitsNorm });
}

function maxRelativeDifference(a: tf.LayersModel, b: tf.LayersModel, shape: number[]): number {
  return tf.tidy(() => {
    const x = tf.randomNormal([8, ...shape], 0, 1, 'float32', 9);
    const [p, q] = [a, b].map((m) => m.predict(x) as tf.Tensor);
    return p!.sub(q!).abs().max().div(p!.abs().max()).dataSync()[0]!;
  });
}

describe('foldForInference', () => {
  it('folds each batch norm into the layer it reads and each activation into its layer, predicting as before', () => {
    const model = blockModel();
    liveNorms(model);
    const { model: folded, folded: pairs } = foldForInference(model);
    try {
      expect(pairs).toEqual([
        { layer: 'stem_bn', into: 'stem' },
        { layer: 'dw_bn', into: 'dw' },
        { layer: 'pw_bn', into: 'pw' },
        { layer: 'logits_bn', into: 'logits' },
        { layer: 'dw_relu', into: 'dw' },
      ]);
      // sum_relu reads an add and stem_relu is a ReLU6 (cheaper as a layer than as an activation): they stay.
      expect(folded.layers.map((l) => l.name)).toEqual([model.layers[0]!.name, 'stem', 'stem_relu', 'dw', 'pw', 'sum', 'sum_relu', 'gap', 'logits']);
      expect(folded.getLayer('dw').getConfig()['activation']).toBe('relu');
      expect(folded.getLayer('stem').getConfig()['useBias']).toBe(true);
      expect(maxRelativeDifference(model, folded, [6, 6, 3])).toBeLessThan(1e-5);
    } finally {
      model.dispose();
      folded.dispose();
    }
  });

  it('leaves a batch norm whose layer has another reader, and folds a Sequential model', () => {
    const input = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ name: 'shared', units: 3, kernelInitializer: init(5) }).apply(input) as tf.SymbolicTensor;
    const norm = tf.layers.batchNormalization({ name: 'norm' }).apply(shared) as tf.SymbolicTensor;
    const both = tf.layers.concatenate({ name: 'both' }).apply([norm, shared]) as tf.SymbolicTensor;
    const branched = tf.model({ inputs: input, outputs: both });
    const sequential = tf.sequential({
      layers: [
        tf.layers.conv2d({ name: 'c', inputShape: [5, 5, 1], filters: 3, kernelSize: 3, kernelInitializer: init(6) }),
        tf.layers.batchNormalization({ name: 'c_bn' }),
        tf.layers.reLU({ name: 'c_relu' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ name: 'd', units: 4, kernelInitializer: init(7) }),
        tf.layers.activation({ name: 'd_softmax', activation: 'softmax' }),
      ],
    });
    liveNorms(branched);
    liveNorms(sequential);
    const kept = foldForInference(branched);
    const flat = foldForInference(sequential);
    try {
      expect(kept.folded).toEqual([]);
      expect(flat.folded.map((f) => f.layer)).toEqual(['c_bn', 'c_relu']);
      expect(flat.model.layers.map((l) => l.name)).toEqual(['c', 'flat', 'd', 'd_softmax']);
      expect(maxRelativeDifference(sequential, flat.model, [5, 5, 1])).toBeLessThan(1e-5);
    } finally {
      for (const m of [branched, sequential, kept.model, flat.model]) m.dispose();
    }
  });
});
