/**
 * The --dry-run listing of a model's channel groups: one line per group, however big the model,
 * saying how many channels it has and every layer it touches, with the parameter slices each owns.
 */
import type { ChannelGroup, ChannelGroupMember } from '../models/channelGroups.js';

/** "fc1/kernel in (25 rows each)", "conv1/kernel out", "bn1/gamma,beta,moving_mean,moving_variance". */
function describeLayer(layer: string, members: readonly ChannelGroupMember[]): string {
  if (members.length === 0) return layer;
  const perChannel = Math.max(...members.flatMap((m) => m.indices.map((i) => i.length)));
  const sides = new Set(members.map((m) => m.side));
  // Only layers that both read and make channels (conv, dense) need the side said.
  const side = members.some((m) => m.param.endsWith('kernel')) ? ` ${[...sides].join('+')}` : '';
  const each = perChannel > 1 ? ` (${perChannel} ${members.every((m) => m.side === 'in') ? 'rows' : 'slices'} each)` : '';
  return `${layer}/${[...new Set(members.map((m) => m.param))].join(',')}${side}${each}`;
}

export function describeChannelGroup(group: ChannelGroup): string {
  const parts = group.layers.map((layer) => describeLayer(layer, group.members.filter((m) => m.layer === layer)));
  const fixed = group.fixed === null ? '' : ` — kept: ${group.fixed}`;
  return `group ${group.root} (${group.channels} channel${group.channels === 1 ? '' : 's'}): ${parts.join(', ')}${fixed}`;
}

/** The groups under a heading, or nothing for a model without any. */
export function formatChannelGroups(groups: readonly ChannelGroup[]): string[] {
  if (groups.length === 0) return [];
  return [`channel groups (${groups.length}, channels removed together):`, ...groups.map((g) => `  ${describeChannelGroup(g)}`)];
}
