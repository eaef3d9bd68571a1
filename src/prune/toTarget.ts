/**
 * How many more entries (structured: channels) to prune to bring a parameter, or a pool of them,
 * to a target sparsity: what a schedule's mask update asks of the ordinary methods. Counting what
 * is already pruned makes the updates exact (round(s · n) pruned after each, as torch rounds)
 * where chaining fractional amounts of the remainder would drift by a rounding per update.
 */
import { pythonRound } from './amount.js';
import { aliveChannels, channelLayout } from './channels.js';

export interface PrunedUnits {
  /** Entries, or channels along `axis`. */
  readonly total: number;
  readonly pruned: number;
}

/** Pruned entries of `mask` (null: untracked, nothing pruned), or whole channels along `axis` when given. */
export function prunedUnits(mask: Uint8Array | null, shape: readonly number[], axis: number | null, paramName: string): PrunedUnits {
  const size = shape.reduce((a, b) => a * b, 1);
  if (axis === null) {
    let zeros = 0;
    if (mask !== null) for (let i = 0; i < mask.length; i++) if (mask[i]! === 0) zeros++;
    return { total: size, pruned: zeros };
  }
  const layout = channelLayout(shape, axis, paramName);
  if (mask === null) return { total: layout.channels, pruned: 0 };
  const alive = aliveChannels(mask, layout);
  let dead = 0;
  for (let c = 0; c < alive.length; c++) if (alive[c]! === 0) dead++;
  return { total: layout.channels, pruned: dead };
}

/** The count that takes `units` to round(sparsity · total) pruned; 0 when already there or beyond. */
export function countToReach(units: PrunedUnits, sparsity: number): number {
  return Math.max(0, pythonRound(sparsity * units.total) - units.pruned);
}
