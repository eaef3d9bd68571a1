/**
 * The unstructured methods of unstructured.ts run on the still-unpruned entries of one or several
 * parameters where they are, masks written in place: the same counts (over the unpruned entries
 * only, Python rounding) and the same choice as the container's path (copy the unpruned entries
 * out, computeMask, scatter back), without the copies.
 */
import { entriesToPrune } from './amount.js';
import { countCandidates, pruneSmallestInPlace, type Segment } from './magnitude-select.js';
import { sampleIndices } from './select.js';
import type { UnstructuredRecipe } from './unstructured.js';

/** The number of entries the recipe will prune among the candidates; throws PruneError if invalid. */
export function plannedCount(recipe: UnstructuredRecipe, candidates: number, paramName: string): number {
  return entriesToPrune(recipe.amount, candidates, paramName);
}

/**
 * Prunes `k` (from plannedCount) of the candidates (mask ≠ 0) of `segments`, in place. Cannot
 * fail: validate with plannedCount first, then call this.
 */
export function pruneCandidatesInPlace(recipe: UnstructuredRecipe, segments: readonly Segment[], candidates: number, k: number): void {
  if (recipe.kind === 'l1') {
    pruneSmallestInPlace(segments, k, { candidates });
    return;
  }
  // The j-th candidate, j increasing: a cursor that only moves forward.
  let s = 0;
  let i = -1;
  let j = -1;
  sampleIndices(candidates, k, recipe.random, (target) => {
    while (j < target) {
      i++;
      while (i >= segments[s]!.mask.length) {
        s++;
        i = 0;
      }
      if (segments[s]!.mask[i]! !== 0) j++;
    }
    segments[s]!.mask[i] = 0;
  });
}

export { countCandidates };
