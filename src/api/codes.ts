/**
 * Codes of the PruneErrors that only the layer-level API throws (the core's own codes are in
 * src/prune/codes.ts and are reused where they fit: PRUNE_AMOUNT_*, PRUNE_SHAPE_MISMATCH,
 * PRUNE_AXIS_INVALID, PRUNE_NORM_INVALID, PRUNE_UNKNOWN_PARAMETER, PRUNE_GLOBAL_INVALID).
 * A runtime list, so that an error report or a test can enumerate them.
 */
import { PruneError } from '../errors.js';
import type { PruneErrorCode } from '../prune/index.js';

export const API_ERROR_CODES = [
  /** Something other than one TF.js layer where a layer is expected (a whole model, a plain object). */
  'PRUNE_NOT_A_LAYER',
  /** `axis: 'out'` or a torch `dim` on a weight whose layout prune-run does not know. */
  'PRUNE_LAYOUT_UNKNOWN',
  /** A custom mask holding values other than 0 and 1. */
  'PRUNE_MASK_INVALID',
  /** Malformed options: no seed for a random method, two ways of naming an axis, an unknown method. */
  'PRUNE_OPTIONS_INVALID',
  /**
   * A local call given no parameters or the same parameter twice (global has PRUNE_GLOBAL_INVALID),
   * or a model whose pruned weights share a name (masks are keyed by name).
   */
  'PRUNE_TARGETS_INVALID',
  /** remove() on a parameter that is not pruned (torch raises ValueError there too). */
  'PRUNE_NOT_PRUNED',
  /** A weight that is not float32: masks multiply float weights only. */
  'PRUNE_DTYPE_UNSUPPORTED',
  /** A model whose topology cannot be read as a description (channel groups): a layer without a name, no layer list. */
  'PRUNE_MODEL_UNREADABLE',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** A PruneError whose code the compiler checks against the two lists. */
export function pruneError(code: ApiErrorCode | PruneErrorCode, message: string): PruneError {
  return new PruneError(code, message);
}
