/**
 * prune-run's pruning core: torch.nn.utils.prune semantics on flat Float32Array weights and
 * Uint8Array masks (1 = kept). No TF.js, no files.
 */
export { pythonRound, entriesToPrune, validateAmount, describeAmount, type Amount } from './amount.js';
export { PRUNE_ERROR_CODES, type PruneErrorCode } from './codes.js';
export { METHOD_KINDS, isStructured, type MethodKind, type PruningMethod, type StructuredPruningMethod } from './method.js';
export { l1Unstructured, randomUnstructured } from './unstructured.js';
export { lnStructured, randomStructured, type NormOrder } from './structured.js';
export { identity, customFromMask } from './fixed.js';
export {
  semiStructured,
  semiStructuredMask,
  parsePattern,
  validatePattern,
  checkGroupShape,
  INPUT_AXIS,
  MAX_GROUP_SIZE,
  type NmPattern,
} from './semiStructured.js';
export { pluginProblem, type JsonValue, type PluginOptions, type PluginTensor, type PruningPlugin } from './plugin.js';
export { checkedPlugin } from './checked.js';
export { composeMask } from './container.js';
export { pruneParameter, effectiveWeights, type ParameterState } from './parameter.js';
export { pruneGlobal, type GlobalOptions as GlobalPruneOptions } from './global.js';
export { MaskSet, sparsityOf, type SparsityCount } from './maskSet.js';
export { countToReach, prunedUnits, type PrunedUnits } from './toTarget.js';
export {
  torchToTfjs,
  tfjsToTorch,
  torchDimToTfjsAxis,
  permute,
  WEIGHT_LAYOUTS,
  type WeightLayout,
  type Laid,
} from './layout.js';
export { toTorchLayout, fromTorchLayout, type TorchLayoutKind, type TorchLayoutInfo } from './torchLayout.js';
