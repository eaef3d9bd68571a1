/**
 * Group pruning to a target: remove whole channel groups' channels, lowest importance per unit of
 * cost first, until a fraction of the model's parameters or multiply-adds is gone, each group
 * keeping its floor. Pure: importances and the cost model in, the channels to remove out.
 *
 * Why importance per unit cost: the normalised-L2 rule ranks channels by norm alone and guts the
 * first layers (a VGG's first conv went from 32 filters to 1), whose channels are small but cost
 * little; dividing by what removing the channel saves (recomputed after every removal, since a
 * removal changes what its neighbours' channels cost) spends the budget where it buys most, and
 * the floors (a fraction of each group's channels, at least one) keep every layer alive.
 */
import { PruneError } from '../errors.js';
import { costOf, denseCost, withoutChannel, type CostModel, type OwnedUnit } from './groupCost.js';

export interface TargetGroup {
  /** How the group is named in messages (its root layer). */
  readonly name: string;
  readonly channels: number;
  /** Channels it keeps at least. */
  readonly floor: number;
  /** Each channel's importance (comparable across groups: normalised within its group). */
  readonly importance: readonly number[];
  /** Channels removed before this step (they count as gone and are not chosen again). */
  readonly removed: readonly boolean[];
  readonly owns: readonly OwnedUnit[];
}

/**
 * How far group pruning to a target goes. Declared here, where the values act; the API's options,
 * the plan's task and the recipe's `filters:` step reuse these declarations.
 */
export interface GroupTarget {
  /** The fraction of the model's measure the removed channels take away (channels removed earlier count), 0 to 1. */
  readonly fraction: number;
  /** Every group keeps at least this fraction of its channels (rounded up, at least one: channelFloor); 0 to 1. */
  readonly minChannels: number;
}

export interface GroupTargetInput extends Pick<GroupTarget, 'fraction'> {
  readonly cost: CostModel;
  readonly groups: readonly TargetGroup[];
  /** 'parameters' or 'MACs', for messages. */
  readonly measure: string;
}

export interface GroupRemoval {
  readonly group: number;
  readonly channel: number;
  /** importance / cost saved, when chosen. */
  readonly score: number;
}

export interface GroupTargetResult {
  readonly removed: readonly GroupRemoval[];
  readonly dense: number;
  /** The cost before this step (earlier removals counted) and after it. */
  readonly before: number;
  readonly after: number;
}

/** The floor of a group: `minChannels` of its channels, rounded up, at least one. */
export function channelFloor(channels: number, minChannels: GroupTarget['minChannels']): number {
  return Math.min(channels, Math.max(1, Math.ceil(minChannels * channels - 1e-9)));
}

function startingKept(input: GroupTargetInput): Map<string, number> {
  let kept = new Map<string, number>();
  for (const group of input.groups) {
    group.removed.forEach((gone, channel) => {
      if (gone) kept = withoutChannel(kept, input.cost, group.owns, channel);
    });
  }
  return kept;
}

/** The cost left when every group is cut to its floor (what any target can reach at most). */
export function floorCost(input: Omit<GroupTargetInput, 'fraction'>): number {
  let kept = startingKept({ ...input, fraction: 0 });
  for (const group of input.groups) {
    let alive = group.removed.filter((gone) => !gone).length;
    for (let channel = 0; channel < group.channels && alive > group.floor; channel++) {
      if (group.removed[channel]) continue;
      kept = withoutChannel(kept, input.cost, group.owns, channel);
      alive--;
    }
  }
  return costOf(input.cost, kept);
}

export function selectGroupChannels(input: GroupTargetInput): GroupTargetResult {
  const dense = denseCost(input.cost);
  const goal = (1 - input.fraction) * dense;
  let kept = startingKept(input);
  const before = costOf(input.cost, kept);
  let current = before;
  const gone = input.groups.map((g) => [...g.removed]);
  const removed: GroupRemoval[] = [];
  while (current > goal + 1e-6) {
    let best: { group: number; channel: number; score: number; next: Map<string, number>; cost: number } | null = null;
    input.groups.forEach((group, g) => {
      const alive = gone[g]!.filter((x) => !x).length;
      if (alive <= group.floor) return;
      // The group's least important channel left (ties: the lower index); NaN ranks last.
      let channel = -1;
      for (let k = 0; k < group.channels; k++) {
        if (gone[g]![k]) continue;
        const value = Number.isNaN(group.importance[k]!) ? Infinity : group.importance[k]!;
        const held = channel < 0 ? Infinity : Number.isNaN(group.importance[channel]!) ? Infinity : group.importance[channel]!;
        if (channel < 0 || value < held) channel = k;
      }
      const next = withoutChannel(kept, input.cost, group.owns, channel);
      const cost = costOf(input.cost, next);
      const saved = current - cost;
      if (saved <= 0) return; // removing it saves nothing of this measure
      const importance = Number.isNaN(group.importance[channel]!) ? Infinity : group.importance[channel]!;
      const score = importance / saved;
      // Ties: the earlier group (model order), as the core's lower-index-first rule.
      if (best === null || score < best.score) best = { group: g, channel, score, next, cost };
    });
    if (best === null) {
      const reached = dense === 0 ? 0 : (dense - current) / dense;
      throw new PruneError(
        'PRUNE_AMOUNT_TOO_LARGE',
        `group pruning cannot remove ${(input.fraction * 100).toFixed(2)}% of the model's ${dense} ${input.measure}: with every group at its floor ` +
          `(${input.groups.map((g) => `${g.name} ${g.floor}`).join(', ')}) it removes ${(reached * 100).toFixed(2)}%; lower the target or min_channels`,
      );
    }
    const chosen: { group: number; channel: number; score: number; next: Map<string, number>; cost: number } = best;
    gone[chosen.group]![chosen.channel] = true;
    kept = chosen.next;
    current = chosen.cost;
    removed.push({ group: chosen.group, channel: chosen.channel, score: chosen.score });
  }
  return { removed, dense, before, after: current };
}
