/**
 * The loss training and evaluation use: cross-entropy of the model's outputs against the labels.
 *
 * A model's outputs are logits unless its output layer ends in a softmax, as Keras classifiers
 * converted for TF.js usually do (`Dense(10, activation='softmax')`). Those outputs are
 * probabilities already, and the loss is Keras's categorical cross-entropy on them: each row
 * clipped to [ε, 1 − ε], −log of the label's entry. Softmax cross-entropy applied to
 * probabilities would take a second softmax: a flattened loss whose gradient barely moves the
 * model.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors.js';

export type OutputKind = 'logits' | 'probabilities';

/** Keras's backend epsilon, the clip of categorical cross-entropy on probabilities. */
export const PROBABILITY_EPSILON = 1e-7;

/** What the model's (first) output holds: probabilities when its layer's activation is a softmax. */
export function outputKindOf(model: tf.LayersModel): OutputKind {
  const layer = model.outputs[0]?.sourceLayer;
  if (layer === undefined) return 'logits';
  if (layer.getClassName() === 'Softmax') return 'probabilities';
  const config = layer.getConfig() as Record<string, unknown>;
  return config['activation'] === 'softmax' ? 'probabilities' : 'logits';
}

/**
 * Σ over the rows of the cross-entropy of `outputs` ([rows, outputs]) against `labels`. A label is
 * an output's index: data with fewer classes (`numClasses`, its largest label + 1) than the model
 * has outputs is fine, the outputs no label names being trained towards zero; data with more has
 * labels no output scores, refused before a run (runner/dataFit.ts) and here for other callers.
 */
export function crossEntropySum(outputs: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number, kind: OutputKind): tf.Scalar {
  const width = outputs.shape[1];
  if (numClasses > width) {
    throw new EngineError('LABELS_PAST_OUTPUTS', `the data has labels up to ${numClasses - 1} but the model has ${width} outputs; each label must be below the model's output count`);
  }
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, width);
    if (kind === 'logits') return tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(oneHot, outputs, undefined, 0, tf.Reduction.SUM);
    const clipped = tf.clipByValue(outputs, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.log(clipped)))) as tf.Scalar;
  });
}
