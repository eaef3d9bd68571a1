import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { compactModel } from '../../src/export/compact/index.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { expectNoTensorLeak, expectTensorsClose } from '../helpers/tensors.js';
import { images, killChannels, predict, roundTrip, weightShapes } from './compactHelpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Every other index below n, from `first`. */
const everyOther = (n: number, first = 0): number[] => Array.from({ length: n / 2 }, (_, k) => first + 2 * k);
/** Alternating signs, so some dead channels are constants to fold (relu of > 0) and some are 0. */
const alternating = (n: number): number[] => Array.from({ length: n }, (_, k) => (k % 2 === 0 ? 0.3 : -0.3));

/** LeNet with half of conv1, conv2, fc1 and fc2 dead (fc3, the output, untouched). */
function halfDeadLenet(seed: number): tf.Sequential {
  const model = buildLenet(seed);
  killChannels(model, 'conv1', everyOther(6), alternating(3));
  killChannels(model, 'conv2', everyOther(16, 1), alternating(8));
  killChannels(model, 'fc1', everyOther(120), alternating(60));
  killChannels(model, 'fc2', everyOther(84, 1), alternating(42));
  return model;
}

const COMPACT_SHAPES = {
  'conv1/kernel': [3, 3, 1, 3],
  'conv1/bias': [3],
  'conv2/kernel': [3, 3, 3, 8],
  'conv2/bias': [8],
  'fc1/kernel': [200, 60],
  'fc1/bias': [60],
  'fc2/kernel': [60, 42],
  'fc2/bias': [42],
  'fc3/kernel': [42, 10],
  'fc3/bias': [10],
};
// conv1 3·3·1·3+3, conv2 3·3·3·8+8, fc1 200·60+60, fc2 60·42+42, fc3 42·10+10.
const COMPACT_PARAMETERS = 30 + 224 + 12_060 + 2_562 + 430;
const LENET_PARAMETERS = 60 + 880 + 48_120 + 10_164 + 850;

describe('compactModel on a half-dead LeNet', () => {
  it('removes the dead channels, folds their constants and predicts the same logits', async () => {
    const model = halfDeadLenet(11);
    const result = compactModel(model);
    expect(weightShapes(result.model)).toEqual(COMPACT_SHAPES);
    expect(result.model.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(result.parametersBefore).toBe(LENET_PARAMETERS);
    expect(result.parametersAfter).toBe(COMPACT_PARAMETERS);
    expect(result.layers).toEqual([
      { name: 'conv1', className: 'Conv2D', channelsBefore: 6, removed: everyOther(6) },
      { name: 'conv2', className: 'Conv2D', channelsBefore: 16, removed: everyOther(16, 1) },
      { name: 'fc1', className: 'Dense', channelsBefore: 120, removed: everyOther(120) },
      { name: 'fc2', className: 'Dense', channelsBefore: 84, removed: everyOther(84, 1) },
      { name: 'fc3', className: 'Dense', channelsBefore: 10, removed: [] },
    ]);

    const x = images(64, 3);
    const expected = predict(model, x);
    expectTensorsClose(predict(result.model, x), expected, { atol: 1e-4, rtol: 0 });
    // The folds are what makes them equal: the consumers' biases moved.
    expect(readWeight(weightNamed(result.model, 'fc3/bias'))).not.toEqual(readWeight(weightNamed(model, 'fc3/bias')));

    const loaded = await roundTrip(result.model);
    expect(weightShapes(loaded)).toEqual(COMPACT_SHAPES);
    expectTensorsClose(predict(loaded, x), expected, { atol: 1e-4, rtol: 0 });
    [x, model, result.model, loaded].forEach((t) => t.dispose());
  });

  it('leaves no tensor behind but the compact model’s own weights', () => {
    const model = halfDeadLenet(12);
    expectNoTensorLeak(() => {
      const before = tf.memory().numTensors;
      const result = compactModel(model);
      expect(tf.memory().numTensors - before).toBe(result.model.weights.length);
      result.model.dispose();
    });
    model.dispose();
  });
});

describe('compactModel with nothing dead', () => {
  it('rebuilds the same model: same shapes, no removals, same predictions', () => {
    const model = buildLenet(13);
    const result = compactModel(model);
    expect(weightShapes(result.model)).toEqual(weightShapes(model));
    expect(result.layers.every((l) => l.removed.length === 0)).toBe(true);
    expect(result.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    expect(result.parametersAfter).toBe(result.parametersBefore);
    const x = images(16, 4);
    expectTensorsClose(predict(result.model, x), predict(model, x), { atol: 1e-6, rtol: 0 });
    [x, model, result.model].forEach((t) => t.dispose());
  });
});
