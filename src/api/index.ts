/**
 * The layer-level pruning API: `prune.*` for library users; pruneByName, removeByName and masksOf
 * for the recipe runner. Both go through store.ts, the one place pruning state on layers changes.
 */
export { prune } from './prune.js';
export { pruneByName, pruningStatesByName, removeByName, restorePruningByName, rewindByName, snapshotWeights, type MethodSource, type MethodTarget, type PruneByNameOptions } from './byName.js';
export { masksOf, type PrunedParameter } from './inspect.js';
export { describeLayersModel } from './describe.js';
export type { GroupNormOptions } from './groupNorm.js';
export type { GroupPruneOutcome, GroupTargetOptions } from './groupTarget.js';
export type { GroupMeasure } from '../models/groupPruning.js';
export type { ChannelGroup, ChannelGroupMember } from '../models/channelGroups.js';
export { PRUNE_SCOPES, type PruneScope } from './store.js';
export { API_ERROR_CODES, type ApiErrorCode } from './codes.js';
export { GLOBAL_METHODS, type GlobalMethod, type GlobalOptions, type GlobalParameter } from './global.js';
export type { MethodCalls, PruneCall } from './methods.js';
// The options of the calls are the method descriptors' (src/methods/).
export type {
  AmountOptions,
  AxisOptions,
  Importance,
  MaskInput,
  ImportanceOption,
  SeedOption,
  NormOption,
  L1UnstructuredOptions,
  RandomUnstructuredOptions,
  LnStructuredOptions,
  RandomStructuredOptions,
  SemiStructuredOptions,
} from '../methods/index.js';
