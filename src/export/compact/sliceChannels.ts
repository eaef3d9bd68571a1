/**
 * Keeps only some channels of a layer's weights, along the axes its layer kind names: 'out' for
 * the output channels a producer keeps, 'in' for the input channels left after a producer
 * removed some (a consumer's kernel rows, batch norm's four vectors).
 */
import type { ChainNode } from './chain.js';
import { takeAlong } from './hostArray.js';
import type { LayerWeights } from './layerWeights.js';

export function sliceChannels(node: ChainNode, weights: LayerWeights, side: 'in' | 'out', keep: readonly number[]): void {
  for (const param of node.kind?.params ?? []) {
    const axes = side === 'in' ? (param.in === null ? [] : [param.in]) : param.out;
    if (axes.length === 0) continue;
    // Output channels spread over several axes (a depthwise kernel) are tied to the input's; never sliced.
    if (axes.length > 1) throw new Error(`internal: slicing ${node.name}/${param.name} along several axes`);
    const array = weights.get(param.name);
    if (array !== undefined) weights.set(param.name, takeAlong(array, axes[0]!, keep));
  }
}
