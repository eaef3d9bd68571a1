/**
 * The producer-kind layer (Conv2D or Dense) that reads a producer's removed channels. A removed channel is a
 * constant v at every position, so its contribution to each output is v times the sum of the
 * kernel entries that read it, which is what the consumer's bias absorbs before the kernel rows
 * go. For a convolution that is exact only with 'valid' padding: with 'same', border windows read
 * padding zeros instead of v, so a channel with v ≠ 0 must stay. A consumer without a bias can
 * absorb nothing, so it takes only channels with v = 0.
 */
import type { ChainNode } from './chain.js';
import { indicesOf, type ConstantFeature, type ConstantFeatures } from './constants.js';
import { complement } from './hostArray.js';
import type { LayerWeights } from './layerWeights.js';
import { sliceChannels } from './sliceChannels.js';
import { unsupported } from './unsupported.js';

/** A layer that makes its own channels and can absorb removed ones (compaction role 'producer'). */
export function isWeighted(node: ChainNode): boolean {
  return node.kind?.compaction.role === 'producer';
}

/** Whether the layer reads windows that may cover padding (a convolution). */
function isWindowed(node: ChainNode): boolean {
  const rule = node.kind?.compaction;
  return rule?.role === 'producer' && rule.windowed;
}

/** Refuses a convolution whose channels compaction cannot reindex; Dense always can. */
export function checkConvolution(node: ChainNode): void {
  if (!isWindowed(node)) return;
  const groups = node.config['groups'];
  // TF.js 4.22 has no grouped Conv2D, but a config from elsewhere may say so: each group's
  // filters read only that group's channels, so removing one would reshuffle the groups.
  if (typeof groups === 'number' && groups > 1) {
    throw unsupported(node, `it is a grouped convolution (groups ${groups}), whose channels compaction cannot remove or reindex`);
  }
  const format = node.config['dataFormat'];
  if (format !== undefined && format !== 'channelsLast') {
    throw unsupported(node, `dataFormat '${String(format)}' is not supported; compaction needs channelsLast`);
  }
}

/** Whether the consumer can absorb this constant feature exactly. */
export function canTake(node: ChainNode, feature: ConstantFeature): boolean {
  if (feature.value === 0) return true;
  if (node.config['useBias'] === false) return false;
  return !isWindowed(node) || node.config['padding'] === 'valid';
}

/**
 * Folds the constant features into the consumer's bias and drops the kernel rows that read them
 * (the kernel's `in` axis, by its layer kind). Both kernel layouts have the input channel second
 * to last: Conv2D [kh, kw, in, out], Dense [in, out], so the sum over "every entry that reads
 * channel f" is over the leading axes.
 */
export function foldInto(node: ChainNode, weights: LayerWeights, incoming: ConstantFeatures): void {
  const kernel = weights.get('kernel');
  if (kernel === undefined) throw new Error(`internal: layer ${node.name} has no kernel`);
  const rank = kernel.shape.length;
  const inputs = kernel.shape[rank - 2]!;
  const outputs = kernel.shape[rank - 1]!;
  const outer = kernel.values.length / (inputs * outputs);
  const bias = weights.get('bias');
  const folded = incoming.features.filter((f) => f.value !== 0);
  if (folded.length > 0) {
    if (bias === undefined) throw new Error(`internal: folding into ${node.name}, which has no bias`);
    const sums = new Float64Array(outputs);
    for (const { index, value } of folded) {
      for (let k = 0; k < outer; k++) {
        const row = (k * inputs + index) * outputs;
        for (let o = 0; o < outputs; o++) sums[o]! += value * kernel.values[row + o]!;
      }
    }
    const values = Float32Array.from(bias.values, (b, o) => b + sums[o]!);
    weights.set('bias', { shape: bias.shape, values });
  }
  sliceChannels(node, weights, 'in', complement(inputs, indicesOf(incoming)));
}
