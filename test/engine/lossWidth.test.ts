import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import { crossEntropySum } from '../../src/engine/loss.js';

describe('crossEntropySum against the model\'s output width', () => {
  it('takes data of fewer classes than outputs: the one-hot is as wide as the outputs', () => {
    const outputs = tf.tensor2d([[2, 0, 0, 0], [0, 1, 0, 3]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    // Labels 0 and 1 only (2 classes in the data), 4 outputs: the same loss as a 4-class one-hot.
    const loss = crossEntropySum(outputs, labels, 2, 'logits');
    const expected = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), outputs, undefined, 0, tf.Reduction.SUM);
    expect(loss.dataSync()[0]).toBeCloseTo(expected.dataSync()[0]!, 5);
    tf.dispose([outputs, labels, loss, expected]);
  });

  it('refuses labels past the outputs with an EngineError, not a TF.js shape error', () => {
    const outputs = tf.zeros<tf.Rank.R2>([2, 3]);
    const labels = tf.tensor1d([0, 4], 'int32');
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      crossEntropySum(outputs, labels, 5, 'logits');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EngineError);
    expect((caught as EngineError).code).toBe('LABELS_PAST_OUTPUTS');
    expect((caught as Error).message).toMatch(/labels up to 4 but the model has 3 outputs/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([outputs, labels]);
  });
});
