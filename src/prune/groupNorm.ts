/**
 * ln_structured over channel groups: in each group, the channels with the smallest Ln norm of
 * everything they own across the group's members (prune/groupImportance.ts's keys) are removed,
 * `amount` of the channels not removed before (torch's container: a new amount applies to what is
 * still unpruned). A group of one member ranks exactly as torch's ln_structured on that parameter
 * with the same n. Ties: the lower channel index goes first, as in lnStructured.
 */
import { entriesToPrune, type Amount } from './amount.js';
import { smallestCut } from './select.js';

export interface GroupNormChoice {
  /** The group's name in error messages (its root layer). */
  readonly name: string;
  /** channelNormKeys of the group: one key per channel. */
  readonly keys: Float64Array;
  /** removed[k]: channel k was removed before (it is not a candidate and not counted). */
  readonly removed: readonly boolean[];
}

/** The channels to remove, ascending; throws PruneError when a count exceeds the channels left. */
export function channelsByGroupNorm(group: GroupNormChoice, amount: Amount): number[] {
  const candidates = group.removed.flatMap((gone, k) => (gone ? [] : [k]));
  const k = entriesToPrune(amount, candidates.length, group.name, 'channels left in the group');
  if (k === 0) return [];
  const keys = Float64Array.from(candidates, (c) => group.keys[c]!);
  const { threshold, takeAtThreshold } = smallestCut(Float64Array.from(keys), k);
  let ties = takeAtThreshold;
  return candidates.filter((_, i) => keys[i]! < threshold || (keys[i] === threshold && ties-- > 0));
}
