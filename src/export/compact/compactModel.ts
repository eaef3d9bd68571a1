/**
 * Compact export: rebuilds a pruned model without its dead output channels, so pruning makes the
 * model physically smaller while it predicts what the masked model predicts. A plain chain of
 * layers goes through plan.ts, which also folds dead channels' constants into the next bias;
 * anything else (residual adds, concatenations, depthwise convs, branches) through graph.ts, which
 * drops the channels that are exactly zero, group by group.
 */
import type * as tf from '@tensorflow/tfjs';
import { modelChain } from './chain.js';
import { kindOf } from '../../layers/index.js';
import { planGraphCompaction } from './graph.js';
import { planCompaction } from './plan.js';
import { rebuildModel } from './rebuild.js';
import type { CompactResult } from './types.js';
import { unsupported } from './unsupported.js';

/** One input, one output, every layer read once by the next, and no depthwise conv: the chain path's models. */
function isPlainChain(model: tf.LayersModel): boolean {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return false;
  return model.layers.every((layer) => {
    const kind = kindOf(layer.getClassName());
    return layer.inboundNodes.length <= 1 && layer.outboundNodes.length <= 1 && kind?.flow !== 'depthwise' && (kind?.merge ?? null) === null;
  });
}

/**
 * `model` holds the effective (already masked) weights; it is only read. Throws EngineError
 * COMPACT_UNSUPPORTED, naming the layer and why, for models it cannot rebuild exactly.
 */
export function compactModel(model: tf.LayersModel): CompactResult {
  const plan = isPlainChain(model) ? planCompaction(modelChain(model, unsupported)) : planGraphCompaction(model);
  const compact = rebuildModel(model, plan);
  return {
    model: compact,
    layers: plan.layers,
    parametersBefore: model.countParams(),
    parametersAfter: compact.countParams(),
  };
}
