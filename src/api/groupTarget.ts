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
import { channelGroups, type ChannelGroup } from '../models/channelGroups.js';
import { costModelOf, MEASURE_WORDS, ownedUnitsOf, selectedGroups, type GroupMeasure } from '../models/groupPruning.js';
import { groupImportance } from '../prune/groupImportance.js';
import { channelFloor, selectGroupChannels, type GroupTarget, type TargetGroup } from '../prune/groupTarget.js';
import type { MaskSet } from '../prune/index.js';
import { pruneError } from './codes.js';
import { describeLayersModel } from './describe.js';
import { importanceMembers, maskRemovedChannels, removedBefore } from './groupMasks.js';
import { masksOf } from './inspect.js';

/** What to prune and how far: the kernels whose groups may lose channels, the target, the floor (the core's GroupTarget). */
export interface GroupTargetOptions extends GroupTarget {
  /** Output kernels (conv2d, dense) by weight name, `conv1/kernel`: their groups are put up for removal. */
  readonly kernels: readonly string[];
  /** What the target counts: the model's trainable parameters or its multiply-adds per image. */
  readonly measure: GroupMeasure;
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

const CALL = 'channel groups to a target';

function fail(message: string): never {
  throw pruneError('PRUNE_TARGETS_INVALID', `${CALL}: ${message}`);
}

function checkOptions(options: GroupTargetOptions): void {
  const bad = (['fraction', 'minChannels'] as const).find((key) => !(options[key] >= 0 && options[key] <= 1));
  if (bad !== undefined) throw pruneError('PRUNE_OPTIONS_INVALID', `${CALL}: ${bad} must be a fraction in [0, 1], got ${String(options[bad])}`);
  if (options.measure !== 'params' && options.measure !== 'macs') throw pruneError('PRUNE_OPTIONS_INVALID', `${CALL}: measure must be params or macs, got ${String(options.measure)}`);
  if (options.kernels.length === 0) throw pruneError('PRUNE_OPTIONS_INVALID', `${CALL}: name at least one kernel`);
}

/** A group as group pruning's core sees it, over the model's current (masked) weights: importance per channel, channels removed before, floor. */
export function targetGroup(group: ChannelGroup, model: tf.LayersModel, masks: MaskSet, trainable: ReadonlySet<string>, minChannels: number): TargetGroup {
  return {
    name: group.root,
    channels: group.channels,
    floor: channelFloor(group.channels, minChannels),
    importance: groupImportance(importanceMembers(group, model, masks, trainable, CALL), group.channels),
    removed: removedBefore(group, model, masks),
    owns: ownedUnitsOf(group),
  };
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
  const touched = maskRemovedChannels(model, groups, removed, masks, { method: 'channel_groups_to_target', measure: options.measure, target: options.fraction }, CALL);
  return { removed, touched, dense: selection.dense, after: selection.after };
}
