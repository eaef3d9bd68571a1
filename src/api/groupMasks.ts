/**
 * What the group pruning calls share (channelGroupsToTarget, lnStructuredGroups): reading a
 * group's members from a TF.js model, telling which channels earlier pruning already removed, and
 * masking removed channels in every trainable member — kernel slices, biases, batch norm's gamma
 * and beta, depthwise slices, the readers' input rows — so a removed channel outputs exactly zero
 * downstream of any batch norm and compaction can drop it. Masks go through the library API, so
 * they compose with earlier pruning.
 */
import type * as tf from '@tensorflow/tfjs';
import { kindOf } from '../layers/index.js';
import type { ChannelGroup, ChannelGroupMember } from '../models/channelGroups.js';
import { countsInImportance } from '../models/groupPruning.js';
import { maskWithoutSlots, slotsMasked } from '../prune/channelSlots.js';
import type { ImportanceMember } from '../prune/groupImportance.js';
import { customFromMask, type MaskSet, type PruningMethod } from '../prune/index.js';
import { pruneByName } from './byName.js';
import { pruneError } from './codes.js';

export const memberName = (m: ChannelGroupMember): string => `${m.layer}/${m.param}`;

/** A weight's current values (read, never written: dataSync may hand back the backend's buffer) and shape. */
function weightOf(model: tf.LayersModel, name: string, call: string): { values: Float32Array; shape: number[] } {
  const variable = model.weights.find((w) => w.originalName === name);
  if (variable === undefined) throw pruneError('PRUNE_TARGETS_INVALID', `${call}: the model has no weight '${name}'`);
  return { values: variable.read().dataSync() as Float32Array, shape: variable.shape.map((d) => d ?? 0) };
}

/** The group's members that rank its channels: trainable weights that measure a channel (no biases, beta or statistics). */
export function importanceMembers(group: ChannelGroup, model: tf.LayersModel, masks: MaskSet, trainable: ReadonlySet<string>, call: string): ImportanceMember[] {
  return group.members
    .filter((m) => trainable.has(memberName(m)) && countsInImportance(m.param))
    .map((m) => {
      const { values, shape } = weightOf(model, memberName(m), call);
      return { values, mask: masks.get(memberName(m))?.mask, shape, axes: m.axes, indices: m.indices };
    });
}

/** The channels of a group already removed: those whose root output-kernel slices are all masked. */
export function removedBefore(group: ChannelGroup, model: tf.LayersModel, masks: MaskSet): boolean[] {
  const className = model.getLayer(group.root).getClassName();
  const rootKernel = group.members.find((m) => m.layer === group.root && m.side === 'out' && m.param === kindOf(className)?.outputKernel);
  if (rootKernel === undefined) return new Array<boolean>(group.channels).fill(false);
  const state = masks.get(memberName(rootKernel));
  return rootKernel.indices.map((slots) => slotsMasked(state?.mask, state?.shape ?? [], rootKernel.axes, slots));
}

function described(mask: Uint8Array, record: Record<string, unknown>): PruningMethod {
  const method = customFromMask(mask);
  return { ...method, describe: () => ({ ...method.describe(), ...record }) };
}

/**
 * Masks `removed` (channels by group root) in every trainable member of their groups, one mask per
 * parameter over every group it belongs to (a conv kernel is one group's outputs and another's
 * inputs), composed with its mask in `current` (the masks before this call); each history entry
 * is `record` plus the channels. Returns the parameters it masked.
 */
export function maskRemovedChannels(
  model: tf.LayersModel,
  groups: readonly ChannelGroup[],
  removed: ReadonlyMap<string, readonly number[]>,
  current: MaskSet,
  record: Readonly<Record<string, unknown>>,
  call: string,
): string[] {
  const masks = new Map<string, { axes: readonly number[]; slots: Set<number> }[]>();
  const records = new Map<string, Record<string, unknown>>();
  const trainable = new Set(model.trainableWeights.map((w) => w.originalName));
  for (const group of groups) {
    const channels = removed.get(group.root);
    if (channels === undefined || channels.length === 0) continue;
    for (const member of group.members) {
      const name = memberName(member);
      if (!trainable.has(name)) continue; // batch-norm statistics: not weights, and zero gamma and beta already silence the channel
      const entries = masks.get(name) ?? [];
      entries.push({ axes: member.axes, slots: new Set(channels.flatMap((k) => member.indices[k]!)) });
      masks.set(name, entries);
      const entry = records.get(name) ?? { ...record };
      entry[member.side === 'out' ? 'channels' : `inputs_of_${group.root}`] = channels;
      records.set(name, entry);
    }
  }
  for (const [name, entries] of masks) {
    const { shape } = weightOf(model, name, call);
    let mask = current.get(name)?.mask;
    for (const { axes, slots } of entries) mask = maskWithoutSlots(mask, shape, axes, slots);
    pruneByName(model, [name], described(mask!, records.get(name)!), { scope: 'local' });
  }
  return [...masks.keys()];
}
