/**
 * `prune.lnStructuredGroups` (and a recipe's ln_structured target with `groups: true`): torch's
 * ln_structured along the output channels, widened to the channel group — each selected kernel's
 * group loses `amount` of its channels still unpruned, those with the smallest Ln norm of
 * everything they own across the group (prune/groupNorm.ts), and each is masked in every member
 * (groupMasks.ts), so the channel is dead across batch norms, residual adds and depthwise convs.
 */
import type * as tf from '@tensorflow/tfjs';
import { channelGroups } from '../models/channelGroups.js';
import { selectedGroups } from '../models/groupPruning.js';
import type { AmountOptions } from '../methods/index.js';
import { describeAmount } from '../prune/amount.js';
import { channelNormKeys } from '../prune/groupImportance.js';
import { channelsByGroupNorm } from '../prune/groupNorm.js';
import type { NormOption } from '../prune/norm.js';
import type { NormSpec } from '../prune/spec.js';
import { pruneError } from './codes.js';
import { describeLayersModel } from './describe.js';
import type { GroupPruneOutcome } from './groupTarget.js';
import { importanceMembers, maskRemovedChannels, removedBefore } from './groupMasks.js';
import { masksOf } from './inspect.js';
import { amountOf } from './options.js';

/**
 * `amount`: a fraction of each group's channels still unpruned; `count`: a number of them (torch's
 * amount, either type). `n`: the norm order as ln_structured takes it (the core's NormOption); a
 * group's entries are read as one vector, so fro is their 2-norm and nuc is refused (orderOf).
 */
export type GroupNormOptions = AmountOptions & NormOption & {
  /** Output kernels (conv2d, dense) by weight name, `conv1/kernel`: each one's group loses channels. */
  readonly kernels: readonly string[];
};

const CALL = 'ln_structured over channel groups';

/** The numeric order; a group's entries are read as one vector, so fro is its 2-norm and nuc has no meaning. */
function orderOf(n: NormSpec): number {
  if (n === 'inf') return Infinity;
  if (n === '-inf') return -Infinity;
  if (n === 'fro') return 2;
  if (typeof n === 'number' && n > 0) return n;
  throw pruneError('PRUNE_OPTIONS_INVALID', `${CALL}: norm order n=${String(n)} must be a number > 0, inf, -inf or fro`);
}

/**
 * Removes `amount` (or `count`) of the still unpruned channels of each selected kernel's group;
 * throws (nothing pruned) when a kernel makes no removable group or a count exceeds a group's channels.
 */
export function lnStructuredGroups(model: tf.LayersModel, options: GroupNormOptions): Pick<GroupPruneOutcome, 'removed' | 'touched'> {
  const amount = amountOf(options, CALL);
  const order = orderOf(options.n);
  if (options.kernels.length === 0) throw pruneError('PRUNE_OPTIONS_INVALID', `${CALL}: name at least one kernel`);
  const description = describeLayersModel(model);
  const { groups, refused } = selectedGroups(description, channelGroups(description), options.kernels);
  if (refused.length > 0) throw pruneError('PRUNE_TARGETS_INVALID', `${CALL}: ${refused.map((r) => r.why).join('; ')}`);
  const masks = masksOf(model);
  const trainable = new Set(model.trainableWeights.map((w) => w.originalName));
  // Every group is chosen from the weights before this call, as torch computes each mask from the current state.
  const removed = new Map(
    groups.map((group) => {
      const keys = channelNormKeys(importanceMembers(group, model, masks, trainable, CALL), group.channels, order);
      return [group.root, channelsByGroupNorm({ name: `group ${group.root}`, keys, removed: removedBefore(group, model, masks) }, amount)] as const;
    }),
  );
  const touched = maskRemovedChannels(model, groups, removed, masks, { method: 'ln_structured', groups: true, ...describeAmount(amount), n: options.n }, CALL);
  return { removed, touched };
}
