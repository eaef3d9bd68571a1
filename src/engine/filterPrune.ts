/**
 * Filter pruning to a target on a TF.js model: finds, for each selected conv kernel, its bias and
 * the next layer that reads its channels (from the model's chain of layers), hands the current
 * weights and masks to the pure selection (prune/filterTarget.ts), and applies the masks it
 * returns through the library API, so they compose with earlier pruning like any other method.
 */
import type * as tf from '@tensorflow/tfjs';
import { masksOf, pruneByName } from '../api/index.js';
import { EngineError } from '../errors.js';
import { activationKeepsZero, paramLayout } from '../layers/index.js';
import { customFromMask, type PruningMethod } from '../prune/index.js';
import { selectFiltersToTarget, type FilterLayer } from '../prune/filterTarget.js';
import { modelChain, type ChainNode, type NamedLayer } from './chain.js';
import { readWeight, weightNamed } from './weights.js';

export interface FilterPruneOutcome {
  readonly removed: readonly { readonly kernel: string; readonly filter: number }[];
  /** Every parameter whose mask changed. */
  readonly touched: readonly string[];
  readonly pruned: number;
  readonly total: number;
}

function activationOf(node: ChainNode): string {
  const activation = node.config['activation'];
  return typeof activation === 'string' ? activation : 'linear';
}

/**
 * Whether a removed filter's zero reaches the next layer still zero and at its own index: a
 * channel-wise kind whose constant rule keeps zero (pooling, dropout, flatten, ReLU, an
 * activation with act(0) = 0). Not batch norm: it maps zero to beta − gamma·mean/√(var+ε).
 */
function passesZero(node: ChainNode): boolean {
  const rule = node.kind?.compaction;
  if (rule?.role !== 'channel_wise') return false;
  if (rule.constant === 'activation') return activationKeepsZero(activationOf(node));
  return rule.constant === 'same' || rule.constant === 'relu';
}

/** The kernel that reads `producer`'s channels, or null when none does with dead rows we can name. */
function consumerOf(chain: readonly ChainNode[], index: number, filters: number): FilterLayer['consumer'] {
  // A removed filter outputs act(0), exactly zero only when act keeps zero; then its readers' rows are dead.
  if (!activationKeepsZero(activationOf(chain[index]!))) return null;
  for (const node of chain.slice(index + 1)) {
    const layout = paramLayout(node.kind, 'kernel');
    if (node.kind?.compaction.role === 'producer' && layout !== null) {
      const kernel = node.layer.weights.find((w) => w.originalName === `${node.name}/kernel`);
      if (kernel === undefined) return null;
      const shape = kernel.shape.map((d) => d ?? 0);
      const outputs = shape[shape.length - 1]!;
      const rows = shape.reduce((a, b) => a * b, 1) / outputs;
      const inputs = shape[shape.length - 2]!;
      // Conv: its input channels are the filters; dense after flatten: positions × filters, channel fastest.
      const fits = layout === 'conv2d' ? inputs === filters : rows % filters === 0;
      return fits ? { kernel: `${node.name}/kernel`, outputs } : null;
    }
    if (!passesZero(node)) return null;
  }
  return null;
}

/** The chain check's refusal as filter pruning's error; the reason (a branch, a merge) is the same as compaction's. */
function unsupported(layer: NamedLayer, reason: string): EngineError {
  return new EngineError('FILTERS_UNSUPPORTED', `filter pruning: layer '${layer.name}' (${layer.className}): ${reason}`);
}

function described(mask: Uint8Array, record: Record<string, unknown>): PruningMethod {
  const method = customFromMask(mask);
  return { ...method, describe: () => ({ ...method.describe(), ...record }) };
}

export function pruneFiltersToTarget(model: tf.LayersModel, kernels: readonly string[], target: number): FilterPruneOutcome {
  const chain = modelChain(model, unsupported);
  const layers: FilterLayer[] = kernels.map((kernel) => {
    const layerName = kernel.slice(0, kernel.lastIndexOf('/'));
    const index = chain.findIndex((n) => n.name === layerName);
    const node = chain[index];
    if (node === undefined || paramLayout(node.kind, 'kernel') !== 'conv2d') {
      throw new EngineError('FILTERS_UNSUPPORTED', `filter pruning: '${kernel}' is not the kernel of a Conv2D layer of the model`);
    }
    const weight = weightNamed(model, kernel);
    const shape = weight.shape.map((d) => d ?? 0) as [number, number, number, number];
    const hasBias = node.layer.weights.some((w) => w.originalName === `${layerName}/bias`);
    return { kernel, values: readWeight(weight), shape, bias: hasBias ? `${layerName}/bias` : null, consumer: consumerOf(chain, index, shape[3]) };
  });
  const current = masksOf(model);
  const masks = new Map(current.names().map((name) => [name, current.get(name)!.mask]));
  const sizes = new Map(model.weights.map((w) => [w.originalName, w.shape.reduce((a: number, b) => a * (b ?? 0), 1)]));
  const total = model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 0), 1), 0);
  // Pruned now: the masks' zeros, and the zeros of weights whose pruning was made permanent (remove).
  const untracked = model.trainableWeights.filter((w) => !current.has(w.originalName));
  const prunedNow = current.globalSparsity().zeros + untracked.reduce((sum, w) => sum + readWeight(weightNamed(model, w.originalName)).filter((v) => v === 0).length, 0);
  const selection = selectFiltersToTarget({ layers, masks, sizes, total, prunedNow, target });

  // What each touched parameter's history says: its own filters removed, or its inputs that went with another layer's.
  const records = new Map<string, Record<string, unknown>>();
  const note = (name: string, key: string, value: number) => {
    const record = records.get(name) ?? { method: 'filters_to_target', target };
    record[key] = [...((record[key] as number[] | undefined) ?? []), value];
    records.set(name, record);
  };
  for (const { kernel, filter } of selection.removed) {
    const layer = layers.find((l) => l.kernel === kernel)!;
    note(kernel, 'filters', filter);
    if (layer.bias !== null) note(layer.bias, 'filters', filter);
    if (layer.consumer !== null) note(layer.consumer.kernel, `inputs_of_${kernel.slice(0, kernel.lastIndexOf('/'))}`, filter);
  }
  for (const [name, mask] of selection.masks) {
    pruneByName(model, [name], described(mask, records.get(name) ?? { method: 'filters_to_target', target }), { scope: 'local' });
  }
  return { removed: selection.removed, touched: [...selection.masks.keys()], pruned: selection.pruned, total };
}
