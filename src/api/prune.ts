/**
 * The `prune` namespace of the public API (import { prune } from 'prune-run'), mirroring
 * torch.nn.utils.prune on TF.js layers: one function per method descriptor with an API entry
 * (l1Unstructured, randomUnstructured, lnStructured, randomStructured, identity, customFromMask,
 * semiStructured), then global pruning, remove, inspection, the model's channel groups and
 * structured pruning of those groups to a target (channelGroupsToTarget) or by an amount per group
 * (lnStructuredGroups).
 */
import { channelGroups } from './describe.js';
import { globalUnstructured } from './global.js';
import { lnStructuredGroups } from './groupNorm.js';
import { channelGroupsToTarget } from './groupTarget.js';
import { isPruned, masksOf, parameters } from './inspect.js';
import { METHOD_CALLS } from './methods.js';
import { remove } from './remove.js';

export const prune = { ...METHOD_CALLS, globalUnstructured, remove, isPruned, parameters, masksOf, channelGroups, channelGroupsToTarget, lnStructuredGroups };
