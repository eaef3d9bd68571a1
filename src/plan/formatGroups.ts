/**
 * The --dry-run listing of a model's channel groups: one line per group, however big the model,
 * saying how many channels it has and every layer it touches, with the parameter slices each owns.
 */
import type { ChannelGroup, ChannelGroupMember } from '../models/channelGroups.js';

/** "conv1/kernel,bias out", "fc1/kernel in (25 rows each)", "bn1/gamma,beta,moving_mean,moving_variance". */
function describeSide(layer: string, members: readonly ChannelGroupMember[], side: 'out' | 'in'): string | null {
  const own = members.filter((m) => m.side === side);
  if (own.length === 0) return null;
  const perChannel = Math.max(...own.flatMap((m) => m.indices.map((i) => i.length)));
  // Kernels are read on one axis and written on another, so their side is said; vectors have one.
  const sideWord = own.some((m) => m.param.endsWith('kernel')) ? ` ${side}` : '';
  const each = perChannel > 1 ? ` (${perChannel} ${side === 'in' ? 'rows' : 'slices'} each)` : '';
  return `${layer}/${own.map((m) => m.param).join(',')}${sideWord}${each}`;
}

function describeLayer(layer: string, members: readonly ChannelGroupMember[]): string {
  const sides = [describeSide(layer, members, 'out'), describeSide(layer, members, 'in')].filter((text) => text !== null);
  return sides.length === 0 ? layer : sides.join(', ');
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
