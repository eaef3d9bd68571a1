/**
 * Cross-entropy over logits with its gradient, in one pass over plain arrays: what
 * crossEntropySum (engine/loss.ts) / batchSize and its gradient compute in about eight TF.js ops.
 * Each row's log-sum-exp is taken from its maximum, so large logits do not overflow; sums run in
 * float64. For a model whose output is softmax(logits) ('probabilities'), the loss is −log of the
 * label's probability clipped to [ε, 1 − ε] as there, whose gradient is zero once clipped.
 */
import { PROBABILITY_EPSILON, type OutputKind } from '../loss.js';


export interface LossOutcome {
  /** Σ over rows of −log softmax(logits)[label], divided by `batchSize`. */
  readonly loss: number;
  /** Rows whose first largest logit is the label (tf.argMax's tie rule). */
  readonly correct: number;
}

/**
 * Writes d(loss)/d(logits) = (softmax(logits) − onehot(label)) / batchSize into `grad` (same
 * layout as `logits`: rows × classes, row-major; zero for a clipped row of 'probabilities').
 * `labels` holds `rows` class indices.
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: ArrayLike<number>,
  rows: number,
  classes: number,
  batchSize: number,
  grad: Float32Array,
  kind: OutputKind = 'logits',
): LossOutcome {
  let loss = 0;
  let correct = 0;
  for (let r = 0, base = 0; r < rows; r++, base += classes) {
    let max = logits[base]!;
    let argMax = 0;
    for (let c = 1; c < classes; c++) {
      const v = logits[base + c]!;
      if (v > max) {
        max = v;
        argMax = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[base + c]! - max);
    const label = labels[r]!;
    if (argMax === label) correct++;
    const logProbability = logits[base + label]! - max - Math.log(sum);
    if (kind === 'probabilities') {
      const p = Math.exp(logProbability);
      if (!(p >= PROBABILITY_EPSILON && p <= 1 - PROBABILITY_EPSILON)) {
        loss -= Math.log(Math.min(Math.max(p, PROBABILITY_EPSILON), 1 - PROBABILITY_EPSILON));
        grad.fill(0, base, base + classes);
        continue;
      }
    }
    loss -= logProbability;
    for (let c = 0; c < classes; c++) {
      const p = Math.exp(logits[base + c]! - max) / sum;
      grad[base + c] = (p - (c === label ? 1 : 0)) / batchSize;
    }
  }
  return { loss: loss / batchSize, correct };
}
