/** Shared helpers for the pruning-core tests. */
import { PruneError } from '../../src/errors.js';
import type { ParameterState } from '../../src/prune/index.js';
import { SeededRandom } from '../../src/util/random.js';

/** Distinct magnitudes (a shuffled 1..n over 64) with random signs: no ties anywhere. */
export function tieFree(n: number, seed = 1): Float32Array {
  const random = new SeededRandom(seed);
  const perm = random.permutation(n);
  return Float32Array.from(perm, (p) => ((p + 1) / 64) * (random.nextFloat() < 0.5 ? -1 : 1));
}

export function zeros(mask: Uint8Array): number {
  let z = 0;
  for (const v of mask) if (v === 0) z++;
  return z;
}

export function state(name: string, shape: number[], values: Float32Array): ParameterState {
  return { name, shape, values, mask: new Uint8Array(values.length).fill(1), history: [] };
}

/** No entry pruned in `before` is kept in `after`. */
export function neverRevives(before: Uint8Array, after: Uint8Array): boolean {
  return before.every((v, i) => v !== 0 || after[i] === 0);
}

/** The largest |w| pruned is below the smallest |w| kept (by magnitude over the given entries). */
export function cutIsClean(weights: Float32Array, mask: Uint8Array, among: Uint8Array = new Uint8Array(mask.length).fill(1)): boolean {
  let maxPruned = -Infinity;
  let minKept = Infinity;
  for (let i = 0; i < weights.length; i++) {
    if (among[i] === 0) continue;
    const m = Math.abs(weights[i]!);
    if (mask[i] === 0) maxPruned = Math.max(maxPruned, m);
    else minKept = Math.min(minKept, m);
  }
  return maxPruned <= minKept;
}

export function errorOf(fn: () => unknown): PruneError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PruneError) return e;
    throw e;
  }
  throw new Error('expected a PruneError');
}
