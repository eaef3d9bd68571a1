/**
 * The loss of a model whose output is already a softmax is the cross-entropy of its probabilities
 * (Keras's categorical cross-entropy), not a softmax cross-entropy taken over them a second time:
 * training, the direct pass and evaluation all see the same loss as the twin model that outputs
 * the logits.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { crossEntropySum, outputKindOf, PROBABILITY_EPSILON } from '../../src/engine/loss.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Two models with the same weights, one ending in logits, one in softmax(logits). */
function twins(): { logits: tf.Sequential; probabilities: tf.Sequential } {
  const make = (activation: 'linear' | 'softmax') =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28, 1] }),
        tf.layers.dense({ units: 10, activation, kernelInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 9 }) }),
      ],
    });
  return { logits: make('linear'), probabilities: make('softmax') };
}

describe('the loss', () => {
  it('knows a softmax output from logits', () => {
    const { logits, probabilities } = twins();
    expect(outputKindOf(logits)).toBe('logits');
    expect(outputKindOf(probabilities)).toBe('probabilities');
    const layer = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.softmax()] });
    expect(outputKindOf(layer)).toBe('probabilities');
    for (const m of [logits, probabilities, layer]) m.dispose();
  });

  it('is the cross-entropy of the probabilities, clipped as Keras clips them', () => {
    tf.tidy(() => {
      const z = tf.tensor2d([[2, -1, 0.5], [0, 0, 0]]);
      const labels = tf.tensor1d([0, 2], 'int32');
      const fromLogits = crossEntropySum(z, labels, 3, 'logits').dataSync()[0]!;
      const fromProbabilities = crossEntropySum(tf.softmax(z), labels, 3, 'probabilities').dataSync()[0]!;
      expect(fromProbabilities).toBeCloseTo(fromLogits, 5);
      const certain = crossEntropySum(tf.tensor2d([[0, 1, 0]]), tf.tensor1d([0], 'int32'), 3, 'probabilities').dataSync()[0]!;
      expect(certain).toBeCloseTo(-Math.log(PROBABILITY_EPSILON), 3);
    });
  });

  it('is what evaluation reports for a softmax model: the logits twin\'s loss, not a double softmax', async () => {
    const data = syntheticDataset({ trainCount: 8, testCount: 40, seed: 2 });
    const { logits, probabilities } = twins();
    const a = await evaluate(logits, data);
    const b = await evaluate(probabilities, data);
    expect(b.accuracy).toBe(a.accuracy);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    logits.dispose();
    probabilities.dispose();
  });
});
