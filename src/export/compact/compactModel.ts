/**
 * Compact export: rebuilds a pruned model without its dead output channels, so pruning makes the
 * model physically smaller while it predicts what the masked model predicts (up to float
 * rounding of the folded biases).
 */
import type * as tf from '@tensorflow/tfjs';
import { modelChain } from '../../engine/chain.js';
import { planCompaction } from './plan.js';
import { rebuildModel } from './rebuild.js';
import type { CompactResult } from './types.js';
import { unsupported } from './unsupported.js';

/**
 * `model` holds the effective (already masked) weights; it is only read. Throws EngineError
 * COMPACT_UNSUPPORTED, naming the layer and why, for models it cannot rebuild exactly.
 */
export function compactModel(model: tf.LayersModel): CompactResult {
  const plan = planCompaction(modelChain(model, unsupported));
  const compact = rebuildModel(model, plan);
  return {
    model: compact,
    layers: plan.layers,
    parametersBefore: model.countParams(),
    parametersAfter: compact.countParams(),
  };
}
