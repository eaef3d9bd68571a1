/**
 * Decides which dead output channels of one producer (a layer kind with compaction role
 * 'producer': Conv2D, Dense) go. A dead channel
 * is the constant act(bias[c]); it can go when the next Conv2D / Dense (the consumer) can absorb
 * what that constant has become on the way (see channelWise.ts and consumer.ts). Channels that
 * reach the model's output without a consumer stay, so the output keeps its shape.
 */
import { ELEMENTWISE_ACTIVATIONS, elementwiseActivation, paramOf, type ParamKind } from '../../layers/index.js';
import type { ChainNode } from './chain.js';
import { throughLayer } from './channelWise.js';
import type { ConstantFeatures } from './constants.js';
import { canTake, checkConvolution, isWeighted } from './consumer.js';
import { deadOutputChannels } from './deadChannels.js';
import { complement, type HostArray } from './hostArray.js';
import type { LayerWeights } from './layerWeights.js';
import { sliceChannels } from './sliceChannels.js';
import type { CompactedLayer } from './types.js';
import { unsupported } from './unsupported.js';

/** What the rest of the walk needs from one producer's decision. */
export interface ProducerDecision {
  readonly report: CompactedLayer;
  /** Constant features arriving at each later layer (the path and the consumer), by layer name. */
  readonly arriving: ReadonlyMap<string, ConstantFeatures>;
}

/** The features at each path layer's input and at the consumer's, in path order. */
function propagate(path: readonly ChainNode[], consumer: ChainNode, weightsOf: (node: ChainNode) => LayerWeights, start: ConstantFeatures): Map<string, ConstantFeatures> {
  const arriving = new Map<string, ConstantFeatures>();
  let features = start;
  for (const node of path) {
    arriving.set(node.name, features);
    features = throughLayer(node, weightsOf(node), features);
  }
  arriving.set(consumer.name, features);
  return arriving;
}

/** The layer kind's output kernel (whose zero slices are dead channels) and its weights, or null. */
function outputKernelOf(node: ChainNode, weights: LayerWeights): { readonly param: ParamKind; readonly array: HostArray } | null {
  const name = node.kind?.outputKernel;
  const param = name === undefined || name === null ? undefined : paramOf(node.kind, name);
  const array = param === undefined ? undefined : weights.get(param.name);
  return param === undefined || array === undefined ? null : { param, array };
}

/**
 * Plans the producer at `chain[index]` (its weights already reflect its own inputs' removal) and
 * slices its outputs in `weights`.
 */
export function decideProducer(chain: readonly ChainNode[], index: number, weightsOf: (node: ChainNode) => LayerWeights): ProducerDecision {
  const node = chain[index]!;
  const weights = weightsOf(node);
  const kernel = outputKernelOf(node, weights);
  if (kernel === null) throw new Error(`internal: layer ${node.name} has no kernel`);
  const channels = kernel.array.shape[kernel.array.shape.length - 1]!;
  const keepAll = (): ProducerDecision => ({
    report: { name: node.name, className: node.className, channelsBefore: channels, removed: [] },
    arriving: new Map(),
  });

  const dead = deadOutputChannels(kernel.array, kernel.param);
  const consumerIndex = chain.findIndex((n, j) => j > index && isWeighted(n));
  if (dead.length === 0 || consumerIndex < 0) return keepAll();
  const consumer = chain[consumerIndex]!;

  checkConvolution(node);
  const act = elementwiseActivation(node.config['activation']);
  if (act === null) {
    throw unsupported(node, `it has dead channels and activation '${String(node.config['activation'])}', which is not one compaction can evaluate per channel (${ELEMENTWISE_ACTIVATIONS.join(', ')})`);
  }
  checkConvolution(consumer);

  const bias = weights.get('bias')?.values;
  const start: ConstantFeatures = {
    size: channels,
    features: dead.map((c) => ({ index: c, channel: c, value: act(bias?.[c] ?? 0) })),
  };
  const path = chain.slice(index + 1, consumerIndex);
  const trial = propagate(path, consumer, weightsOf, start).get(consumer.name)!;
  const blocked = new Set(trial.features.filter((f) => !canTake(consumer, f)).map((f) => f.channel));
  let removed = dead.filter((c) => !blocked.has(c));
  // TF.js cannot build a layer with no filters or units; one dead channel kept is still exact.
  if (removed.length === channels) removed = removed.slice(1);
  if (removed.length === 0) return keepAll();

  const gone = new Set(removed);
  const arriving = propagate(path, consumer, weightsOf, { size: channels, features: start.features.filter((f) => gone.has(f.channel)) });
  const kept = complement(channels, removed);
  sliceChannels(node, weights, 'out', kept);
  return { report: { name: node.name, className: node.className, channelsBefore: channels, removed }, arriving };
}

/**
 * A depthwise or separable convolution with dead channels and a consumer after it: compaction
 * does not rebuild those (their channel count is tied to their input's), so it refuses rather
 * than leave the dead channels silently in place.
 */
export function checkDepthwise(chain: readonly ChainNode[], index: number, weights: LayerWeights): void {
  const node = chain[index]!;
  if (node.kind?.compaction.role !== 'tied') return;
  const kernel = outputKernelOf(node, weights);
  if (kernel === null || !chain.some((n, j) => j > index && isWeighted(n))) return;
  const dead = deadOutputChannels(kernel.array, kernel.param);
  if (dead.length > 0) {
    throw unsupported(node, `it has ${dead.length} dead output channel(s), and compaction cannot remove channels from a depthwise or separable convolution`);
  }
}
