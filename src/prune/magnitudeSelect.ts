/**
 * L1 selection over several arrays at once, in place, without concatenating or copying them:
 * "prune the k smallest |score| among the still-unpruned entries" for global pruning (and for a
 * single tensor).
 *
 * The ranking key of a float32 score is its bit pattern with the sign cleared, read as an unsigned
 * integer: for |x| finite or infinite it orders exactly as |x| does (IEEE 754 magnitudes are
 * monotonic in their bits; -0 and +0 both give 0), and every NaN is mapped to one key just above
 * +Infinity's, so NaN ranks above +Infinity as in torch. The exact k-th smallest key is found by a
 * two-level radix selection (a histogram of the top 16 bits, then of the low 15 bits within the one
 * bucket that holds the cut): O(n) time in two passes, 384 KB of counters, no copy of the scores.
 *
 * Tie rule (same as l1Unstructured): among entries whose key equals the cut, those with the LOWER
 * flat index are pruned first, the index running over the segments in order (as if they were
 * concatenated).
 */
import { smallestCut } from './select.js';

/** One parameter's part of a selection: its scores and its mask (1 = candidate, written in place). */
export interface Segment {
  readonly scores: Float32Array;
  readonly mask: Uint8Array;
}

const LOW_BITS = 15;
const LOW_MASK = (1 << LOW_BITS) - 1;
const INF_KEY = 0x7f800000;
/** The one key every NaN gets: above +Infinity's. */
const NAN_KEY = INF_KEY + 1;
/** Buckets of the first pass: keys are < 2^31, so key >>> 15 < 2^16. */
const HIGH_BUCKETS = 1 << (31 - LOW_BITS);

/** Default limit on the positions remembered in the cut's bucket (4 MB); past it, a third scan. */
const DEFAULT_MAX_REMEMBERED = 1 << 20;

// Int32 rather than Uint32: a negative float's bits stay a small integer for V8 (no doubles).
function bitsOf(scores: Float32Array): Int32Array {
  return new Int32Array(scores.buffer, scores.byteOffset, scores.length);
}

/** The ranking key of the float32 whose bits are `u` (see the file comment). */
function keyOf(u: number): number {
  const key = u & 0x7fffffff;
  return key > INF_KEY ? NAN_KEY : key;
}

/** Entries with a non-zero mask over all segments. */
export function countCandidates(segments: readonly Segment[]): number {
  let alive = 0;
  for (const { mask } of segments) {
    // Four bytes at a time where aligned: each byte folded to its lowest bit (1 when non-zero),
    // then the four bits summed by a multiply.
    const head = Math.min(mask.length, (4 - (mask.byteOffset & 3)) & 3);
    const words = (mask.length - head) >>> 2;
    for (let i = 0; i < head; i++) alive += -mask[i]! >>> 31;
    const w32 = new Uint32Array(mask.buffer, mask.byteOffset + head, words);
    for (let j = 0; j < words; j++) {
      let x = w32[j]!;
      x |= x >>> 4;
      x |= x >>> 2;
      x |= x >>> 1;
      alive += Math.imul(x & 0x01010101, 0x01010101) >>> 24;
    }
    for (let i = head + 4 * words; i < mask.length; i++) alive += -mask[i]! >>> 31;
  }
  return alive;
}

export interface SelectOptions {
  /** countCandidates(segments), when the caller has it already. */
  readonly candidates?: number;
  /** Largest cut bucket whose positions are remembered instead of scanned again (tests lower it). */
  readonly maxRemembered?: number;
  /** Skip the sampled fast path (tests use it to reach the radix path on large inputs). */
  readonly noSampling?: boolean;
  /** Sampled fast path from this many candidates on (default 2^18; tests lower it). */
  readonly samplingFrom?: number;
}

const SAMPLE_SIZE = 1 << 16;
const DEFAULT_SAMPLING_FROM = 1 << 18;

/**
 * The fast path for large inputs: the cut is bracketed by the quantiles of a strided sample of the
 * candidates' keys (with a wide margin), one scan counts the candidates below the bracket and
 * remembers those inside it, the exact cut is found among those, and one scan writes the masks.
 * Exact whatever the data: if the cut is not inside the bracket (adversarial or periodic data) or
 * the bracket holds too many entries, nothing has been written and it returns false, and the radix
 * path runs instead.
 */
function sampledCut(segments: readonly Segment[], bits: readonly Int32Array[], k: number, candidates: number): boolean {
  let total = 0;
  for (const { mask } of segments) total += mask.length;
  // Stride over all positions so that about SAMPLE_SIZE candidates are met.
  const draws = Math.min(total, Math.ceil((SAMPLE_SIZE * total) / candidates));
  const sample = new Int32Array(draws);
  let m = 0;
  let s = 0;
  let start = 0;
  for (let j = 0; j < draws; j++) {
    const p = Math.floor(((j + 0.5) * total) / draws);
    while (p >= start + segments[s]!.mask.length) start += segments[s++]!.mask.length;
    if (segments[s]!.mask[p - start]! !== 0) sample[m++] = keyOf(bits[s]![p - start]!);
  }
  if (m < 1024) return false;
  const sorted = sample.subarray(0, m).sort();
  const q = k / candidates;
  const margin = Math.ceil(6 * Math.sqrt(m * q * (1 - q))) + 64;
  const loIndex = Math.floor(q * m) - margin;
  const hiIndex = Math.ceil(q * m) + margin;
  const lo = loIndex < 0 ? 0 : sorted[loIndex]!;
  // Raw NaN bits run from NAN_KEY up: a bracket reaching NaN reaches all of them.
  const hi = hiIndex >= m || sorted[hiIndex]! >= NAN_KEY ? 0x7fffffff : sorted[hiIndex]!;
  const capacity = Math.ceil((((hiIndex - loIndex + 1) * candidates) / m) * 2) + 4096;

  // Scan 1: count candidates below the bracket, remember those inside it (writes nothing).
  const inside = new Uint32Array(Math.min(capacity, candidates));
  const insideSegment = new Uint32Array(segments.length + 1);
  let n = 0;
  let below = 0;
  for (let t = 0; t < segments.length; t++) {
    const mask = segments[t]!.mask;
    const u = bits[t]!;
    insideSegment[t] = n;
    for (let i = 0; i < mask.length; i++) {
      const key = u[i]! & 0x7fffffff; // raw: NaN needs no mapping against this bracket (see hi)
      const alive = -mask[i]! >>> 31;
      below += ((key - lo) >>> 31) & alive;
      if (((key - lo) | (hi - key)) >= 0 && alive !== 0) {
        if (n === inside.length) return false;
        inside[n++] = i;
      }
    }
  }
  insideSegment[segments.length] = n;
  const need = k - below;
  if (need < 1 || need > n) return false;

  // The exact cut among the bracketed keys (quickselect on a copy of them; keys < 2^31 are exact
  // in float64).
  const keys = new Float64Array(n);
  for (let t = 0, p = 0; t < segments.length; t++) {
    const u = bits[t]!;
    for (; p < insideSegment[t + 1]!; p++) keys[p] = keyOf(u[inside[p]!]!);
  }
  const { threshold: cut, takeAtThreshold } = smallestCut(keys, need);
  let ties = takeAtThreshold;

  // Scan 2: every entry with a key below the cut is pruned (already pruned ones stay 0; raw NaN
  // bits are >= NAN_KEY, so no NaN is below any cut); then ties at the cut, lowest index first.
  for (let t = 0; t < segments.length; t++) {
    const mask = segments[t]!.mask;
    const u = bits[t]!;
    for (let i = 0; i < mask.length; i++) mask[i]! &= ~(((u[i]! & 0x7fffffff) - cut) >> 31);
    for (let p = insideSegment[t]!; ties > 0 && p < insideSegment[t + 1]!; p++) {
      const i = inside[p]!;
      if (mask[i]! !== 0 && keyOf(u[i]!) === cut) {
        mask[i] = 0;
        ties--;
      }
    }
  }
  return true;
}

/**
 * Sets to 0 the mask of the `k` candidates (mask ≠ 0) with the smallest keys, over all segments
 * taken in order; other entries are not touched. `k` must be between 0 and the candidate count.
 * Cannot fail once the arguments are valid, so callers validate first and then write.
 */
export function pruneSmallestInPlace(segments: readonly Segment[], k: number, options: SelectOptions = {}): void {
  if (k <= 0) return;
  const bits = segments.map((s) => bitsOf(s.scores));
  if (!options.noSampling) {
    const candidates = options.candidates ?? countCandidates(segments);
    if (k > candidates) throw new RangeError(`pruneSmallestInPlace: k=${String(k)} > ${String(candidates)} candidates`);
    if (candidates >= (options.samplingFrom ?? DEFAULT_SAMPLING_FROM) && k < candidates && sampledCut(segments, bits, k, candidates)) {
      return;
    }
  }

  // Pass 1: histogram of the top 16 bits of the candidates' keys.
  const high = new Uint32Array(HIGH_BUCKETS);
  let alive = 0;
  for (let s = 0; s < segments.length; s++) {
    const mask = segments[s]!.mask;
    const u = bits[s]!;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]! !== 0) high[keyOf(u[i]!) >>> LOW_BITS]!++;
    }
  }
  for (let b = 0; b < HIGH_BUCKETS; b++) alive += high[b]!;
  if (k > alive) throw new RangeError(`pruneSmallestInPlace: k=${String(k)} > ${String(alive)} candidates`);
  if (k === alive) {
    for (const { mask } of segments) mask.fill(0);
    return;
  }
  let cutHigh = 0;
  let below = 0;
  while (below + high[cutHigh]! < k) below += high[cutHigh++]!;
  const inBucket = high[cutHigh]!;
  const needInBucket = k - below; // 1 .. inBucket

  // Pass 2: prune every candidate below the cut's bucket; histogram the low bits inside it, and
  // remember where its entries are (segment, index) when there are few enough of them.
  const low = new Uint32Array(1 << LOW_BITS);
  const maxRemembered = options.maxRemembered ?? DEFAULT_MAX_REMEMBERED;
  const remember = inBucket <= maxRemembered;
  const where = remember ? new Uint32Array(inBucket) : null;
  const whereSegment = remember ? new Uint32Array(segments.length + 1) : null; // start of each segment in `where`
  let w = 0;
  for (let s = 0; s < segments.length; s++) {
    const mask = segments[s]!.mask;
    const u = bits[s]!;
    if (whereSegment !== null) whereSegment[s] = w;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]! === 0) continue;
      const key = keyOf(u[i]!);
      const h = key >>> LOW_BITS;
      if (h < cutHigh) mask[i] = 0;
      else if (h === cutHigh) {
        low[key & LOW_MASK]!++;
        if (where !== null) where[w++] = i;
      }
    }
  }
  if (whereSegment !== null) whereSegment[segments.length] = w;
  let cutLow = 0;
  let belowInBucket = 0;
  while (belowInBucket + low[cutLow]! < needInBucket) belowInBucket += low[cutLow++]!;
  const cut = (cutHigh << LOW_BITS) | cutLow;
  let ties = needInBucket - belowInBucket; // entries equal to the cut still to prune, lowest index first

  // Pass 3: inside the cut's bucket, prune keys below the cut and the first `ties` equal to it.
  for (let s = 0; s < segments.length; s++) {
    const mask = segments[s]!.mask;
    const u = bits[s]!;
    if (where !== null && whereSegment !== null) {
      for (let p = whereSegment[s]!; p < whereSegment[s + 1]!; p++) {
        const i = where[p]!;
        const key = keyOf(u[i]!);
        if (key < cut) mask[i] = 0;
        else if (key === cut && ties > 0) {
          mask[i] = 0;
          ties--;
        }
      }
    } else {
      for (let i = 0; i < mask.length; i++) {
        if (mask[i]! === 0) continue;
        const key = keyOf(u[i]!);
        if (key >>> LOW_BITS !== cutHigh) continue;
        if (key < cut) mask[i] = 0;
        else if (key === cut && ties > 0) {
          mask[i] = 0;
          ties--;
        }
      }
    }
  }
}
