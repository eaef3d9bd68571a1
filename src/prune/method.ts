/**
 * The contract every pruning method satisfies (torch's BasePruningMethod.compute_mask), and the
 * kinds the container uses to decide which slice of a tensor a new method sees.
 */
import type { Segment } from './magnitudeSelect.js';

/**
 * - unstructured: the method sees the still-unpruned entries as one flat vector.
 * - structured: the method sees the channels (along its axis) that are not yet entirely pruned.
 * - global: the method sees the whole tensor (custom_from_mask; also what "global" means in torch).
 */
export type MethodKind = 'unstructured' | 'structured' | 'global';
export const METHOD_KINDS: readonly MethodKind[] = ['unstructured', 'structured', 'global'];

export interface PruningMethod {
  /** torch's function name: 'l1_unstructured', 'random_unstructured', 'identity', ... */
  readonly name: string;
  readonly kind: MethodKind;
  /**
   * A NEW mask (1 = kept) for a tensor whose importance scores are `importance` (flat, row-major
   * in `shape`), starting from `defaultMask`; it never revives an entry `defaultMask` pruned.
   *
   * Like torch's compute_mask, a method on its own counts and selects over everything it is given;
   * restricting to the still-unpruned part is the container's job (see container.ts).
   * `paramName` only names the parameter in error messages.
   */
  computeMask(
    importance: Float32Array,
    defaultMask: Uint8Array,
    shape: readonly number[],
    paramName?: string,
  ): Uint8Array;
  /** JSON-able description for history and reports, e.g. {method:'l1_unstructured', amount:0.2}. */
  describe(): Record<string, unknown>;
  /**
   * An unstructured method that can choose among the still-unpruned entries where they lie, in
   * one or several parameters' own arrays, with the same counts and choice as computeMask on the
   * gathered entries: the container and global pruning then skip the copies (a 25M-parameter
   * global step in a few MB). Absent: they gather, call computeMask and scatter.
   */
  readonly inPlace?: InPlaceSelection;
}

/** A method's selection over candidates in place (see PruningMethod.inPlace). */
export interface InPlaceSelection {
  /** Ranks by magnitude, smallest first (so a per-parameter cap can apply); false: random. */
  readonly byMagnitude: boolean;
  /** How many of `candidates` unpruned entries it prunes; throws PruneError when it cannot. */
  count(candidates: number, paramName: string): number;
  /** Prunes `k` (from count) of the candidates (mask ≠ 0) of `segments`, writing the masks. Cannot fail. */
  prune(segments: readonly Segment[], candidates: number, k: number): void;
}

/** A structured method also says along which axis its channels lie (TF.js layout, may be negative). */
export interface StructuredPruningMethod extends PruningMethod {
  readonly kind: 'structured';
  readonly axis: number;
}

export function isStructured(method: PruningMethod): method is StructuredPruningMethod {
  return method.kind === 'structured' && typeof (method as Partial<StructuredPruningMethod>).axis === 'number';
}
