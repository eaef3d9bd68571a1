/**
 * Structured pruning to a target on a TF.js model, `prune.channelGroupsToTarget` (and a recipe's
 * `filters:` step): the model's channel groups (models/channelGroups.ts, from the same description
 * the planner reads), each channel scored by
 * its group importance over the current, masked weights, and the pure selection
 * (prune/groupTarget.ts) deciding which channels go. A removed channel is masked in every
 * trainable member of its group — kernel slices, biases, batch norm's gamma and beta, depthwise
 * slices, the readers' input rows — so it outputs exactly zero downstream of any batch norm and
 * compaction can drop it. Masks go through the library API, so they compose with earlier pruning.
 */
import type * as tf from '@tensorflow/tfjs';
import { kindOf } from '../layers/index.js';
import { channelGroups, type ChannelGroup, type ChannelGroupMember } from '../models/channelGroups.js';
import { costModelOf, countsInImportance, MEASURE_WORDS, ownedUnitsOf, selectedGroups, type GroupMeasure } from '../models/groupPruning.js';
import { maskWithoutSlots, slotsMasked } from '../prune/channelSlots.js';
import { groupImportance } from '../prune/groupImportance.js';
import { channelFloor, selectGroupChannels, type TargetGroup } from '../prune/groupTarget.js';
import { customFromMask, type MaskSet, type PruningMethod } from '../prune/index.js';
import { pruneByName } from './byName.js';
import { pruneError } from './codes.js';
import { describeLayersModel } from './describe.js';
import { masksOf } from './inspect.js';

/** What to prune and how far: the kernels whose groups may lose channels, the target, the floor. */
export interface GroupTargetOptions {
  /** Output kernels (conv2d, dense) by weight name, `conv1/kernel`: their groups are put up for removal. */
  readonly kernels: readonly string[];
  /** What the target counts: the model's trainable parameters or its multiply-adds per image. */
  readonly measure: GroupMeasure;
  /** The fraction of the measure the removed channels take away (channels removed earlier count), 0 to 1. */
  readonly fraction: number;
  /** Every group keeps at least this fraction of its channels (rounded up, at least one); 0 to 1. */
  readonly minChannels: number;
}

export interface GroupPruneOutcome {
  /** The channels removed by this step, by group root, ascending. */
  readonly removed: ReadonlyMap<string, readonly number[]>;
  /** Every parameter whose mask changed. */
  readonly touched: readonly string[];
  /** The model's cost in the step's measure: whole, and with every removed channel gone. */
  readonly dense: number;
  readonly after: number;
}

const nameOf = (m: ChannelGroupMember) => `${m.layer}/${m.param}`;

/** A weight's current values (read, never written: dataSync may hand back the backend's buffer) and shape. */
function weightOf(model: tf.LayersModel, name: string): { values: Float32Array; shape: number[] } {
  const variable = model.weights.find((w) => w.originalName === name);
  if (variable === undefined) fail(`the model has no weight '${name}'`);
  return { values: variable.read().dataSync() as Float32Array, shape: variable.shape.map((d) => d ?? 0) };
}

function fail(message: string): never {
  throw pruneError('PRUNE_TARGETS_INVALID', `channel groups to a target: ${message}`);
}

function checkOptions(options: GroupTargetOptions): void {
  const bad = (['fraction', 'minChannels'] as const).find((key) => !(options[key] >= 0 && options[key] <= 1));
  if (bad !== undefined) throw pruneError('PRUNE_OPTIONS_INVALID', `channel groups to a target: ${bad} must be a fraction in [0, 1], got ${String(options[bad])}`);
  if (options.measure !== 'params' && options.measure !== 'macs') throw pruneError('PRUNE_OPTIONS_INVALID', `channel groups to a target: measure must be params or macs, got ${String(options.measure)}`);
  if (options.kernels.length === 0) throw pruneError('PRUNE_OPTIONS_INVALID', 'channel groups to a target: name at least one kernel');
}

/** The channels of a group already removed: those whose root output-kernel slices are all masked. */
function removedBefore(group: ChannelGroup, model: tf.LayersModel, masks: MaskSet): boolean[] {
  const className = model.getLayer(group.root).getClassName();
  const rootKernel = group.members.find((m) => m.layer === group.root && m.side === 'out' && m.param === kindOf(className)?.outputKernel);
  if (rootKernel === undefined) return new Array<boolean>(group.channels).fill(false);
  const state = masks.get(nameOf(rootKernel));
  return rootKernel.indices.map((slots) => slotsMasked(state?.mask, state?.shape ?? [], rootKernel.axes, slots));
}

/** A group as group pruning's core sees it, over the model's current (masked) weights: importance per channel, channels removed before, floor. */
export function targetGroup(group: ChannelGroup, model: tf.LayersModel, masks: MaskSet, trainable: ReadonlySet<string>, minChannels: number): TargetGroup {
  const members = group.members
    .filter((m) => trainable.has(nameOf(m)) && countsInImportance(m.param))
    .map((m) => {
      const { values, shape } = weightOf(model, nameOf(m));
      return { values, mask: masks.get(nameOf(m))?.mask, shape, axes: m.axes, indices: m.indices };
    });
  return {
    name: group.root,
    channels: group.channels,
    floor: channelFloor(group.channels, minChannels),
    importance: groupImportance(members, group.channels),
    removed: removedBefore(group, model, masks),
    owns: ownedUnitsOf(group),
  };
}

function described(mask: Uint8Array, record: Record<string, unknown>): PruningMethod {
  const method = customFromMask(mask);
  return { ...method, describe: () => ({ ...method.describe(), ...record }) };
}

/**
 * Removes channels of the groups of `options.kernels` until the removed channels take away
 * `options.fraction` of the model's parameters or MACs; throws (nothing pruned) when the kernels
 * make no removable group or the floors cannot give the target.
 */
export function channelGroupsToTarget(model: tf.LayersModel, options: GroupTargetOptions): GroupPruneOutcome {
  checkOptions(options);
  const description = describeLayersModel(model);
  const { groups, refused } = selectedGroups(description, channelGroups(description), options.kernels);
  if (refused.length > 0) fail(refused.map((r) => r.why).join('; '));
  const cost = costModelOf(description, options.measure);
  if ('unknown' in cost) fail(`the model's multiply-adds cannot be told (${cost.unknown})`);
  const masks = masksOf(model);
  const trainable = new Set(model.trainableWeights.map((w) => w.originalName));
  const targets = groups.map((g) => targetGroup(g, model, masks, trainable, options.minChannels));
  const selection = selectGroupChannels({ cost, groups: targets, fraction: options.fraction, measure: MEASURE_WORDS[options.measure] });

  const removed = new Map<string, number[]>();
  for (const { group, channel } of selection.removed) removed.set(groups[group]!.root, [...(removed.get(groups[group]!.root) ?? []), channel].sort((a, b) => a - b));
  // One mask per parameter, over every group it is a member of (a conv kernel is one group's outputs and another's inputs).
  const slotsOf = new Map<string, { axes: readonly number[]; slots: Set<number> }[]>();
  const records = new Map<string, Record<string, unknown>>();
  groups.forEach((group) => {
    const channels = removed.get(group.root);
    if (channels === undefined) return;
    for (const member of group.members) {
      const name = nameOf(member);
      if (!trainable.has(name)) continue; // batch-norm statistics: not weights, and zero gamma and beta already silence the channel
      const entries = slotsOf.get(name) ?? [];
      entries.push({ axes: member.axes, slots: new Set(channels.flatMap((k) => member.indices[k]!)) });
      slotsOf.set(name, entries);
      const record = records.get(name) ?? { method: 'channel_groups_to_target', measure: options.measure, target: options.fraction };
      record[member.side === 'out' ? 'channels' : `inputs_of_${group.root}`] = channels;
      records.set(name, record);
    }
  });
  for (const [name, entries] of slotsOf) {
    const { shape } = weightOf(model, name);
    let mask = masks.get(name)?.mask;
    for (const { axes, slots } of entries) mask = maskWithoutSlots(mask, shape, axes, slots);
    pruneByName(model, [name], described(mask!, records.get(name)!), { scope: 'local' });
  }
  return { removed, touched: [...slotsOf.keys()], dense: selection.dense, after: selection.after };
}
