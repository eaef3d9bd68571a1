/**
 * The optimizers of the training loop, on the flat parameter vector (parameterVector.ts), with the
 * pruning mask fused into the update: one pass over memory per step, where TF.js's optimizers run
 * about ten ops per variable and the mask needed a further pass. Same update rules and defaults as
 * tf.train.sgd and tf.train.adam (β1 0.9, β2 0.999, ε 1e-7 — TF.js's float32 epsilon — and its
 * bias correction), computed in double precision and stored as float32.
 *
 * A pruned entry (mask 0) is set to exactly 0 and its moments are left alone: they can never reach
 * the weight again, because the mask holds for the whole training task (a new task starts a new
 * optimizer). Kept entries get exactly the update they would without a mask.
 */
import { EngineError } from '../errors.js';
import type { OptimizerName, TrainConfig } from '../recipe/types.js';

export interface FlatOptimizer {
  readonly name: OptimizerName;
  /**
   * weights ← update(weights, Σ shards), with `mask` (1 = kept) applied; `shards` are gradient
   * parts that sum to the batch gradient, added in the order given (so the result does not depend
   * on which thread produced which part).
   */
  step(weights: Float32Array, shards: readonly Float32Array[], mask: Uint8Array | null): void;
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export function createFlatOptimizer(config: TrainConfig, size: number): FlatOptimizer {
  switch (config.optimizer) {
    case 'sgd':
      return sgd(config.learningRate);
    case 'adam':
      return adam(config.learningRate, size);
  }
}

function checkLengths(weights: Float32Array, shards: readonly Float32Array[], mask: Uint8Array | null): void {
  const n = weights.length;
  if (shards.length === 0 || shards.some((g) => g.length !== n) || (mask !== null && mask.length !== n)) {
    throw new EngineError(
      'OPTIMIZER_SHAPE',
      `optimizer step over ${String(n)} weights got gradients of ${shards.map((g) => String(g.length)).join(', ') || 'nothing'}` +
        (mask === null ? '' : ` and a mask of ${String(mask.length)}`),
    );
  }
}

/**
 * Σ shards[s][i] in shard order, into `out` (the first shard's own buffer is not touched). One
 * pass per shard over contiguous memory: cheaper than indexing every shard per entry.
 */
function sumShards(shards: readonly Float32Array[], out: Float64Array): Float64Array {
  const first = shards[0]!;
  for (let i = 0; i < out.length; i++) out[i] = first[i]!;
  for (let s = 1; s < shards.length; s++) {
    const part = shards[s]!;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + part[i]!;
  }
  return out;
}

function sgd(learningRate: number): FlatOptimizer {
  let sum = new Float64Array(0);
  return {
    name: 'sgd',
    step(weights, shards, mask) {
      checkLengths(weights, shards, mask);
      if (sum.length !== weights.length) sum = new Float64Array(weights.length);
      const g = sumShards(shards, sum);
      for (let i = 0; i < weights.length; i++) {
        weights[i] = mask !== null && mask[i] === 0 ? 0 : weights[i]! - learningRate * g[i]!;
      }
    },
  };
}

function adam(learningRate: number, size: number): FlatOptimizer {
  const { beta1, beta2, epsilon } = ADAM;
  const first = new Float32Array(size);
  const second = new Float32Array(size);
  const sum = new Float64Array(size);
  // TF.js keeps β^t as a float32 variable starting at β (the first step's correction is 1 − β).
  let beta1Power = Math.fround(beta1);
  let beta2Power = Math.fround(beta2);
  return {
    name: 'adam',
    step(weights, shards, mask) {
      checkLengths(weights, shards, mask);
      if (weights.length !== size) {
        throw new EngineError('OPTIMIZER_SHAPE', `this Adam was made for ${String(size)} weights, got ${String(weights.length)}`);
      }
      const g = sumShards(shards, sum);
      const stepSize = learningRate / (1 - beta1Power);
      const correction2 = 1 - beta2Power;
      for (let i = 0; i < size; i++) {
        if (mask !== null && mask[i] === 0) {
          weights[i] = 0;
          continue;
        }
        const gi = g[i]!;
        const m = beta1 * first[i]! + (1 - beta1) * gi;
        const v = beta2 * second[i]! + (1 - beta2) * gi * gi;
        first[i] = m;
        second[i] = v;
        weights[i] = weights[i]! - (stepSize * m) / (Math.sqrt(v / correction2) + epsilon);
      }
      beta1Power = Math.fround(beta1Power * beta1);
      beta2Power = Math.fround(beta2Power * beta2);
    },
  };
}
