import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { compactModel } from '../../src/export/compact/index.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { images, killChannels, predict, setWeight } from './compactHelpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A Sequential conv → `middle` → conv → flatten → dense, with a dead filter (bias `bias`) in the first conv. */
function withMiddle(middle: tf.layers.Layer, deadIn = 'first', bias = 0.5): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ name: 'first', inputShape: [8, 8, 2], filters: 4, kernelSize: 3 }));
  model.add(middle);
  model.add(tf.layers.conv2d({ name: 'second', filters: 3, kernelSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flat' }));
  model.add(tf.layers.dense({ name: 'out', units: 2 }));
  if (deadIn === 'first') killChannels(model, 'first', [2], [bias]);
  return model;
}

/** Compacts `model` (then disposed) and checks the outputs are the masked model's; returns what compaction said and the first conv's filters. */
function compacted(model: tf.LayersModel, inputShape: readonly [number, number, number] = [8, 8, 2]): { reason: string | undefined; filters: number } {
  let reason: string | undefined;
  let filters = 0;
  expectNoTensorLeak(() => {
    const result = compactModel(model);
    const x = images(3, 7, inputShape);
    expect(Math.max(...predict(model, x).map((v, i) => Math.abs(v - predict(result.model, x)[i]!)))).toBeLessThan(1e-5);
    reason = result.exactZerosOnly;
    filters = result.model.layers[0]!.getConfig()['filters'] as number;
    [x, result.model].forEach((t) => t.dispose());
  });
  model.dispose();
  return { reason, filters };
}

describe('where the chain path cannot fold a removed channel, compactModel removes only exactly-zero channels', () => {
  it('a layer type the chain path does not know: a constant channel stays, a zero one goes, and it says why', () => {
    const constant = compacted(withMiddle(tf.layers.zeroPadding2d({ name: 'pad', padding: 1 })));
    expect(constant.reason).toContain("layer 'pad' (ZeroPadding2D)");
    expect(constant.reason).toContain('a layer type compaction does not know');
    expect(constant.filters).toBe(4);
    expect(compacted(withMiddle(tf.layers.zeroPadding2d({ name: 'pad', padding: 1 }), 'first', 0)).filters).toBe(3);
  });

  it('an activation that is not element-wise on the path: the channel stays', () => {
    const { reason, filters } = compacted(withMiddle(tf.layers.activation({ name: 'soft', activation: 'softmax' })));
    expect(reason).toContain("layer 'soft' (Activation)");
    expect(reason).toContain("activation 'softmax' is not element-wise");
    expect(filters).toBe(4);
  });

  it('a producer whose own activation cannot be evaluated per channel: the channel stays', () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ name: 'mix', inputShape: [4], units: 3, activation: 'softmax' }));
    model.add(tf.layers.dense({ name: 'out', units: 2 }));
    killChannels(model, 'mix', [0], [0.1]);
    let reason: string | undefined;
    expectNoTensorLeak(() => {
      const result = compactModel(model);
      reason = result.exactZerosOnly;
      expect(result.parametersAfter).toBe(result.parametersBefore);
      result.model.dispose();
    });
    model.dispose();
    expect(reason).toContain("layer 'mix' (Dense)");
    expect(reason).toContain("activation 'softmax'");
  });

  it('a batch norm over an axis other than the channels: even a zero channel stays', () => {
    const model = withMiddle(tf.layers.batchNormalization({ name: 'bn', axis: 1 }), 'first', 0);
    // γ and β of row 2 at zero: read as channels (the groups' assumption), channel 2 would look dead everywhere.
    for (const part of ['gamma', 'beta']) setWeight(model, `bn/${part}`, (i) => (i === 2 ? 0 : 1));
    const { reason, filters } = compacted(model);
    expect(reason).toContain("layer 'bn' (BatchNormalization)");
    expect(reason).toContain('not the channel axis');
    expect(filters).toBe(4);
  });
});

describe('compactModel accepts the same layers where no removed channel passes', () => {
  it('an unknown layer or a depthwise convolution with nothing dead upstream is copied as is', () => {
    for (const middle of [tf.layers.zeroPadding2d({ name: 'pad', padding: 1 }), tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3 })]) {
      const model = withMiddle(middle, 'none');
      const result = compactModel(model);
      expect(result.parametersAfter).toBe(result.parametersBefore);
      expect(result.model.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      [model, result.model].forEach((m) => m.dispose());
    }
  });
});
