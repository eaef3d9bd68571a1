/**
 * Global L1 selection with a ceiling per parameter: the guard against layer collapse (one
 * threshold over all layers empties a layer of small weights; global pruning's best-known failure).
 *
 * Water-filling: the k smallest candidates over all segments, except that no segment loses more
 * than `allowed[i]` entries; a segment that would is held at exactly its `allowed[i]` smallest, and
 * the count it gives up goes to the others, whose common cut then rises. Holding a segment can only
 * raise the others' cut, so a segment held once stays held, and at most one round per segment is
 * needed. Within each round the selection is pruneSmallestInPlace's (same keys, same tie rule).
 */
import { countCandidates, pruneSmallestInPlace, type Segment } from './magnitudeSelect.js';

/** Σ min(allowed, candidates): the most the segments can lose together under their ceilings. */
export function cappedCapacity(segments: readonly Segment[], allowed: readonly number[]): number {
  return segments.reduce((sum, s, i) => sum + Math.min(allowed[i]!, countCandidates([s])), 0);
}

/**
 * Sets to 0 the mask of `k` candidates: the smallest over all segments, no segment losing more
 * than allowed[i]. The caller checks k ≤ cappedCapacity(segments, allowed) first.
 */
export function pruneSmallestCapped(segments: readonly Segment[], k: number, allowed: readonly number[]): void {
  const held = new Set<number>();
  const candidates = segments.map((s) => countCandidates([s]));
  for (;;) {
    const free = segments.map((_, i) => i).filter((i) => !held.has(i));
    const heldCount = [...held].reduce((sum, i) => sum + allowed[i]!, 0);
    // A trial on copies of the free segments' masks: nothing is written until the round fits.
    const trial = free.map((i) => ({ scores: segments[i]!.scores, mask: Uint8Array.from(segments[i]!.mask) }));
    pruneSmallestInPlace(trial, k - heldCount);
    const over = free.filter((i, t) => candidates[i]! - countCandidates([trial[t]!]) > allowed[i]!);
    if (over.length === 0) {
      free.forEach((i, t) => segments[i]!.mask.set(trial[t]!.mask));
      for (const i of held) pruneSmallestInPlace([segments[i]!], allowed[i]!);
      return;
    }
    for (const i of over) held.add(i);
  }
}
