/**
 * Stable codes carried by every PruneError this module throws, so callers (the engine, the CLI,
 * tests) can tell problems apart without matching message text. The list is a runtime value so an
 * error report can enumerate it.
 */
export const PRUNE_ERROR_CODES = [
  /** A fraction outside [0, 1], a negative or non-integer count, or not exactly one of amount/count. */
  'PRUNE_AMOUNT_INVALID',
  /** A count larger than the number of entries (or channels) that can still be pruned. */
  'PRUNE_AMOUNT_TOO_LARGE',
  /** Weights, masks, importance scores or shapes whose sizes disagree. */
  'PRUNE_SHAPE_MISMATCH',
  /** A method used where its kind is not allowed (e.g. a structured method in a global step). */
  'PRUNE_METHOD_KIND',
  /** A structured method's axis is out of range, or the tensor has no channels (rank < 2). */
  'PRUNE_AXIS_INVALID',
  /** An ln_structured norm order that is not supported. */
  'PRUNE_NORM_INVALID',
  /** A MaskSet lookup of a name that is not tracked. */
  'PRUNE_UNKNOWN_PARAMETER',
  /** Pruning a state whose borrowed values were released (MaskSet.release) without tracking it again. */
  'PRUNE_VALUES_RELEASED',
  /** A global step given no parameters, or the same parameter twice. */
  'PRUNE_GLOBAL_INVALID',
  /** A semi-structured N:M pattern that is not 1 ≤ N < M ≤ 64. */
  'PRUNE_PATTERN_INVALID',
  /** A plugin's computeMask returned a mask of the wrong length, with values other than 0/1, or reviving entries. */
  'PRUNE_PLUGIN_INVALID',
] as const;

export type PruneErrorCode = (typeof PRUNE_ERROR_CODES)[number];
