/**
 * Filter pruning to a target (the seed's notebook): remove whole conv filters one at a time, each
 * time the one with the smallest normalised L2 norm across the layers, until the pruned entries
 * reach a fraction of the model's parameters. Pure: typed arrays in, masks out.
 *
 * A filter's norm is divided by the root mean square of the norms of its layer's remaining
 * filters: raw norms grow with a layer's fan-in, so without it the layer with the smallest
 * weights would lose every filter first (the layer collapse global pruning is known for). The
 * scores are recomputed after every removal, since a removal changes its layer's mean and, by
 * zeroing an input channel of the next layer, that layer's norms.
 *
 * Removing filter f prunes its kernel slice, its bias entry, and the slice of the next layer's
 * kernel that reads channel f (what compaction would drop), so the count is of entries that
 * really stop mattering. Every layer keeps at least one filter.
 */
import { PruneError } from '../errors.js';

/** A conv kernel [kh, kw, in, out] whose filters (output channels) may go. */
export interface FilterLayer {
  /** The kernel's weight name ('conv1/kernel'). */
  readonly kernel: string;
  /** Its current values (zero where pruned). */
  readonly values: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** The bias's name, if the layer has one (its entry f goes with filter f). */
  readonly bias: string | null;
  /**
   * The next conv or dense kernel that reads this layer's output channels directly (through
   * pooling, activations, dropout, flatten), by name, with its output size; null if none does.
   * Its input rows are laid out with the channel fastest (TF.js's channels-last flatten), so row
   * r reads channel r mod filters.
   */
  readonly consumer: { readonly kernel: string; readonly outputs: number } | null;
}

export interface FilterSelection {
  /** The filters removed, in the order chosen. */
  readonly removed: readonly { readonly kernel: string; readonly filter: number; readonly score: number }[];
  /** The new masks (1 = kept) of every parameter the removals touched, by name. */
  readonly masks: ReadonlyMap<string, Uint8Array>;
  /** Entries pruned over the model after the removals. */
  readonly pruned: number;
}

export interface FilterTargetInput {
  readonly layers: readonly FilterLayer[];
  /** Current masks of the parameters involved (absent: nothing pruned yet), and their sizes. */
  readonly masks: ReadonlyMap<string, Uint8Array>;
  readonly sizes: ReadonlyMap<string, number>;
  /** All the model's trainable entries, and how many are pruned now. */
  readonly total: number;
  readonly prunedNow: number;
  readonly target: number;
}

/** The flat indices of each slice a removal of filter f touches. */
function forEachSliceEntry(layer: FilterLayer, filter: number, size: (name: string) => number, visit: (name: string, index: number) => void): void {
  const filters = layer.shape[3];
  for (let i = filter; i < layer.values.length; i += filters) visit(layer.kernel, i);
  if (layer.bias !== null) visit(layer.bias, filter);
  const consumer = layer.consumer;
  if (consumer === null) return;
  const rows = size(consumer.kernel) / consumer.outputs;
  for (let row = filter; row < rows; row += filters) {
    for (let o = 0; o < consumer.outputs; o++) visit(consumer.kernel, row * consumer.outputs + o);
  }
}

export function selectFiltersToTarget(input: FilterTargetInput): FilterSelection {
  const { layers, total, target } = input;
  const size = (name: string): number => {
    const n = input.sizes.get(name);
    if (n === undefined) throw new PruneError('PRUNE_UNKNOWN_PARAMETER', `filter pruning: no size for '${name}'`);
    return n;
  };
  const masks = new Map<string, Uint8Array>();
  const maskOf = (name: string): Uint8Array => {
    let mask = masks.get(name);
    if (mask === undefined) {
      mask = input.masks.get(name)?.slice() ?? new Uint8Array(size(name)).fill(1);
      masks.set(name, mask);
    }
    return mask;
  };
  // The kernel values as the removals leave them: the next layer's norms see its zeroed inputs.
  const values = new Map(layers.map((l) => [l.kernel, l.values]));
  const valueAt = (name: string, index: number): number => {
    const mask = masks.get(name) ?? input.masks.get(name);
    return mask !== undefined && mask[index] === 0 ? 0 : values.get(name)![index]!;
  };

  let pruned = input.prunedNow;
  const goal = Math.ceil(target * total - 1e-9);
  const removed: { kernel: string; filter: number; score: number }[] = [];
  while (pruned < goal) {
    let best: { layer: FilterLayer; filter: number; score: number } | null = null;
    for (const layer of layers) {
      const filters = layer.shape[3];
      const norms = new Float64Array(filters);
      const alive: number[] = [];
      for (let f = 0; f < filters; f++) {
        let sum = 0;
        let kept = false;
        const mask = masks.get(layer.kernel) ?? input.masks.get(layer.kernel);
        for (let i = f; i < layer.values.length; i += filters) {
          if (mask !== undefined && mask[i] === 0) continue;
          kept = true;
          const v = valueAt(layer.kernel, i);
          sum += v * v;
        }
        norms[f] = Math.sqrt(sum);
        if (kept) alive.push(f);
      }
      if (alive.length < 2) continue;
      // NaN ranks last, as everywhere in the core (a NaN weight is never taken for a small one),
      // and stays out of its layer's mean so that it does not make every score NaN.
      const finite = alive.filter((f) => !Number.isNaN(norms[f]!));
      const rms = Math.sqrt(finite.reduce((s, f) => s + norms[f]! ** 2, 0) / Math.max(1, finite.length));
      for (const f of alive) {
        const score = Number.isNaN(norms[f]!) ? Infinity : rms === 0 ? 0 : norms[f]! / rms;
        // Ties: the earlier layer, then the lower filter index (the core's lower-index-first rule).
        if (best === null || score < best.score) best = { layer, filter: f, score };
      }
    }
    if (best === null) {
      throw new PruneError(
        'PRUNE_AMOUNT_TOO_LARGE',
        `filter pruning cannot reach ${(target * 100).toFixed(2)}% of the model's ${total} parameters: with one filter left in each of ` +
          `${layers.map((l) => l.kernel).join(', ')} it prunes ${pruned} (${((pruned / total) * 100).toFixed(2)}%); lower the target or prune other layers too`,
      );
    }
    forEachSliceEntry(best.layer, best.filter, size, (name, index) => {
      const mask = maskOf(name);
      if (mask[index] !== 0) {
        mask[index] = 0;
        pruned++;
      }
    });
    removed.push({ kernel: best.layer.kernel, filter: best.filter, score: best.score });
  }
  return { removed, masks, pruned };
}
