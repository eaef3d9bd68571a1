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
import { COMPACT_UNSUPPORTED, unsupported } from './unsupported.js';
import { EngineError } from '../../errors.js';
import type { CompactPlan } from './plan.js';

/** One input, one output, every layer read once by the next, and no depthwise conv: the chain path's models. */
function isPlainChain(model: tf.LayersModel): boolean {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return false;
  return model.layers.every((layer) => {
    const kind = kindOf(layer.getClassName());
    return layer.inboundNodes.length <= 1 && layer.outboundNodes.length <= 1 && kind?.flow !== 'depthwise' && (kind?.merge ?? null) === null;
  });
}

/**
 * The chain path's plan, or, where it cannot fold a layer on a removed channel's way (a layer kind
 * or activation it cannot pass a constant through), the graph path's, which removes only the
 * channels that are exactly zero and keeps the rest: a compact model is always made, never refused
 * after a training; the chain path's reason is kept for the report.
 */
function chainOrGraph(model: tf.LayersModel): { plan: CompactPlan; fallback?: string } {
  try {
    return { plan: planCompaction(modelChain(model, unsupported)) };
  } catch (error) {
    if (!(error instanceof EngineError) || error.code !== COMPACT_UNSUPPORTED) throw error;
    return { plan: planGraphCompaction(model), fallback: error.message };
  }
}

/** `model` holds the effective (already masked) weights; it is only read. */
export function compactModel(model: tf.LayersModel): CompactResult {
  const { plan, fallback } = isPlainChain(model) ? chainOrGraph(model) : { plan: planGraphCompaction(model) };
  const compact = rebuildModel(model, plan);
  return {
    model: compact,
    layers: plan.layers,
    parametersBefore: model.countParams(),
    parametersAfter: compact.countParams(),
    ...(fallback === undefined ? {} : { exactZerosOnly: fallback }),
  };
}
