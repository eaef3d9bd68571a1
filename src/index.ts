/**
 * prune-run's public entry. Explicit named exports only: what is listed here is the package's
 * API; everything else under src/ is internal and may change.
 */

// The torch.nn.utils.prune-style library on TF.js layers, and its option types.
export {
  prune,
  masksOf,
  API_ERROR_CODES,
  GLOBAL_METHODS,
  type ApiErrorCode,
  type AmountOptions,
  type ChannelGroup,
  type ChannelGroupMember,
  type AxisOptions,
  type GlobalMethod,
  type GlobalOptions,
  type GlobalParameter,
  type GroupNormOptions,
  type GroupPruneOutcome,
  type GroupTargetOptions,
  type Importance,
  type ImportanceOption,
  type L1UnstructuredOptions,
  type LnStructuredOptions,
  type MaskInput,
  type NormOption,
  type PrunedParameter,
  type RandomStructuredOptions,
  type RandomUnstructuredOptions,
  type SeedOption,
  type SemiStructuredOptions,
} from './api/index.js';

// The pruning core's types (masks on typed arrays) and the layout helpers a torch user needs to
// bring masks or weights over (torch layout ↔ TF.js layout).
export {
  MaskSet,
  sparsityOf,
  torchToTfjs,
  tfjsToTorch,
  torchDimToTfjsAxis,
  PRUNE_ERROR_CODES,
  METHOD_KINDS,
  WEIGHT_LAYOUTS,
  type Amount,
  type Laid,
  type MethodKind,
  type NormOrder,
  type ParameterState,
  type PruneErrorCode,
  type PruningMethod,
  type PruningPlugin,
  type PluginOptions,
  type PluginTensor,
  type JsonValue,
  type NmPattern,
  type SparsityCount,
  type StructuredPruningMethod,
  type WeightLayout,
} from './prune/index.js';
// The vocabulary shared by the API's options and recipes: channels by meaning, norm orders by name.
export { CHANNEL_MEANINGS, NAMED_NORMS, type ChannelMeaning, type NormSpec } from './prune/spec.js';

// Recipes: file → validated, resolved recipe.
export { loadRecipe, type LoadRecipeOptions } from './recipe/load.js';
export type { ResolvedRecipe } from './recipe/types.js';

// Running: the backend policy (tfjs-node, else wasm with prune-run's training kernels, never cpu
// unasked), and a recipe from file to plan, as `prune-run --dry-run` does.
export { selectBackend, type BackendInfo } from './engine/backend/select.js';
export { BACKEND_REQUESTS, type BackendRequest } from './engine/backend/request.js';
export { prepareRun, type PreparedRun, type PrepareOptions } from './runner/prepare.js';
export type { Plan, PlanTask } from './plan/types.js';

// Pruning that pays off: the model without its dead channels, and sparse weight files with the
// IOHandler that reads them back into an ordinary dense model (tf.loadLayersModel(sparseModelFromDir(dir))).
export { compactModel, type CompactResult, type CompactedLayer } from './export/compact/index.js';
export { saveSparseModel, sparseModelFromDir, sparseModelHandler, encodeSparseModel } from './export/sparse/index.js';

// Errors: every error a user can cause is one of these, with a stable `code`.
export {
  PruneRunError,
  RecipeError,
  UsageError,
  PlanError,
  PruneError,
  EngineError,
  DataError,
  type RecipeProblem,
  type SourceLocation,
} from './errors.js';
