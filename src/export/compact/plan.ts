/**
 * One forward walk over the chain that turns the source weights into the compact model's: each
 * layer first loses the inputs its producer removed (a consumer folds them into its bias, a
 * BatchNormalization drops their statistics), then, if it is a Conv2D / Dense, decides which of
 * its own dead outputs go. Deciding after the fold matters: a filter that read only removed
 * channels is itself constant now, and goes too. Every refusal happens here, before anything is
 * built.
 */
import type { ChainNode } from './chain.js';
import { removeFromChannelWise } from './channelWise.js';
import type { ConstantFeatures } from './constants.js';
import { foldInto, isWeighted } from './consumer.js';
import { LayerWeights } from './layerWeights.js';
import { checkDepthwise, decideProducer } from './producer.js';
import type { CompactedLayer } from './types.js';

export interface CompactPlan {
  /** Every chain layer's weights for the compact model, by layer name, in setWeights order. */
  readonly weights: ReadonlyMap<string, LayerWeights>;
  /** New filters / units of the layers that lost output channels, by layer name. */
  readonly sizes: ReadonlyMap<string, number>;
  readonly layers: readonly CompactedLayer[];
}

export function planCompaction(chain: readonly ChainNode[]): CompactPlan {
  const weights = new Map(chain.map((node) => [node.name, LayerWeights.read(node.layer)]));
  const weightsOf = (node: ChainNode): LayerWeights => weights.get(node.name)!;
  const arriving = new Map<string, ConstantFeatures>();
  const sizes = new Map<string, number>();
  const layers: CompactedLayer[] = [];
  chain.forEach((node, index) => {
    const incoming = arriving.get(node.name);
    if (incoming !== undefined) {
      if (isWeighted(node)) foldInto(node, weightsOf(node), incoming);
      else removeFromChannelWise(node, weightsOf(node), incoming);
    }
    if (isWeighted(node)) {
      const decision = decideProducer(chain, index, weightsOf);
      layers.push(decision.report);
      for (const [name, features] of decision.arriving) arriving.set(name, features);
      const { channelsBefore, removed } = decision.report;
      if (removed.length > 0) sizes.set(node.name, channelsBefore - removed.length);
    } else {
      checkDepthwise(chain, index, weightsOf(node));
    }
  });
  return { weights, sizes, layers };
}
