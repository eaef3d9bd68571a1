import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { COMPACT_UNSUPPORTED, compactModel } from '../../src/export/compact/index.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { killChannels } from './compactHelpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** The refusal compactModel throws, checked to be COMPACT_UNSUPPORTED and to build nothing. */
function refusal(model: tf.LayersModel): EngineError {
  let caught: unknown;
  expectNoTensorLeak(() => {
    try {
      compactModel(model).model.dispose();
    } catch (error) {
      caught = error;
    }
  });
  model.dispose();
  expect(caught).toBeInstanceOf(EngineError);
  expect((caught as EngineError).code).toBe(COMPACT_UNSUPPORTED);
  return caught as EngineError;
}

/** A Sequential conv → `middle` → conv → flatten → dense, with a dead filter in the first conv. */
function withMiddle(middle: tf.layers.Layer, deadIn = 'first'): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ name: 'first', inputShape: [8, 8, 2], filters: 4, kernelSize: 3 }));
  model.add(middle);
  model.add(tf.layers.conv2d({ name: 'second', filters: 3, kernelSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flat' }));
  model.add(tf.layers.dense({ name: 'out', units: 2 }));
  if (deadIn === 'first') killChannels(model, 'first', [2], [0.5]);
  return model;
}

describe('compactModel refuses what it cannot rebuild exactly', () => {
  it('a layer type it does not know between a producer with dead channels and its consumer', () => {
    const error = refusal(withMiddle(tf.layers.zeroPadding2d({ name: 'pad', padding: 1 })));
    expect(error.message).toContain("layer 'pad' (ZeroPadding2D)");
    expect(error.message).toContain('a layer type compaction does not know');
  });

  it('an activation that is not element-wise on the path', () => {
    const error = refusal(withMiddle(tf.layers.activation({ name: 'soft', activation: 'softmax' })));
    expect(error.message).toContain("layer 'soft' (Activation)");
    expect(error.message).toContain("activation 'softmax' is not element-wise");
  });

  it('a producer with dead channels whose own activation it cannot evaluate per channel', () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ name: 'mix', inputShape: [4], units: 3, activation: 'softmax' }));
    model.add(tf.layers.dense({ name: 'out', units: 2 }));
    killChannels(model, 'mix', [0], [0.1]);
    const error = refusal(model);
    expect(error.message).toContain("layer 'mix' (Dense)");
    expect(error.message).toContain("activation 'softmax'");
  });

  it('BatchNormalization over an axis other than the channels', () => {
    const error = refusal(withMiddle(tf.layers.batchNormalization({ name: 'bn', axis: 1 })));
    expect(error.message).toContain("layer 'bn' (BatchNormalization)");
    expect(error.message).toContain('not the channel axis');
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
