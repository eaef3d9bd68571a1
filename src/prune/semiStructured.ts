/**
 * N:M semi-structured sparsity (TF Model Optimization's 2:4, NVIDIA's sparse tensor cores): in
 * every group of M consecutive weights along the kernel's INPUT axis, keep the N of largest |w|.
 * TF.js layouts: a dense kernel [in, out] has its groups along axis 0 for each output unit, a
 * conv2d kernel [kh, kw, in, out] along axis 2 for each (kh, kw, out).
 *
 * Kind 'global' (torch's PRUNING_TYPE for methods that need the whole tensor, as custom_from_mask):
 * the container's unstructured slice would hand over the still-unpruned entries as a flat vector,
 * which loses the group positions. Composition is done here instead: within a group, entries the
 * default mask pruned stay pruned and count among the pruned; the N largest still-kept entries
 * are kept (all of them when fewer than N are kept). Nothing is ever revived.
 *
 * Ties follow the core's rule (README "Ties"): among equal scores the lower TF.js index is pruned
 * first; NaN ranks above +∞ (pruned last), as in torch.
 */
import { PruneError } from '../errors.js';
import { checkSameLength } from './checks.js';
import type { WeightLayout } from './layout.js';
import type { PruningMethod } from './method.js';

/** Keep `n` of every `m`. */
export interface NmPattern {
  readonly n: number;
  readonly m: number;
}

/** The largest group prune-run accepts: hardware patterns are 1:2, 2:4, 4:8; 64 leaves room. */
export const MAX_GROUP_SIZE = 64;

/** The TF.js axis that holds a kernel's input channels. */
export const INPUT_AXIS: Readonly<Record<WeightLayout, number>> = { dense: 0, conv2d: 2 };

const RANK: Readonly<Record<WeightLayout, number>> = { dense: 2, conv2d: 4 };

/** Checks 1 ≤ N < M ≤ MAX_GROUP_SIZE (integers); PruneError otherwise. */
export function validatePattern(pattern: NmPattern, context = 'semi_structured'): void {
  const { n, m } = pattern;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m <= n || m > MAX_GROUP_SIZE) {
    throw new PruneError(
      'PRUNE_PATTERN_INVALID',
      `${context}: ${String(n)}:${String(m)} must keep N of every M with 1 ≤ N < M ≤ ${MAX_GROUP_SIZE} ` +
        '(whole numbers; "2:4" keeps 2 of every 4)',
    );
  }
}

/**
 * "2:4" → {n: 2, m: 4} (spaces around the numbers allowed), validated; PruneError for anything
 * else. The recipe's `pattern:` and the API's string form both go through here.
 */
export function parsePattern(text: string, context = 'semi_structured'): NmPattern {
  const match = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  if (match === null) {
    throw new PruneError('PRUNE_PATTERN_INVALID', `${context}: "${text}" is not N:M; write e.g. "2:4" (keep 2 of every 4)`);
  }
  const pattern = { n: Number(match[1]), m: Number(match[2]) };
  validatePattern(pattern, context);
  return pattern;
}

/**
 * The in-axis length must be a multiple of M (groups never straddle two output units or kernel
 * positions); PruneError naming the parameter, its shape and M otherwise.
 */
export function checkGroupShape(layout: WeightLayout, shape: readonly number[], m: number, paramName = 'tensor'): void {
  if (shape.length !== RANK[layout]) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${paramName}': a ${layout} kernel has rank ${String(RANK[layout])}, got shape [${shape.join(', ')}]`,
    );
  }
  const axis = INPUT_AXIS[layout];
  const inputs = shape[axis]!;
  if (inputs % m !== 0) {
    throw new PruneError(
      'PRUNE_SHAPE_MISMATCH',
      `'${paramName}' has shape [${shape.join(', ')}]: its input axis (TF.js axis ${String(axis)}) has ${String(inputs)} entries, ` +
        `not a multiple of the group size M = ${String(m)}, so its groups of ${String(m)} consecutive inputs do not tile it`,
    );
  }
}

/** True when entry a ranks strictly below entry b (a is pruned before b): |w|, NaN on top, then index. */
function ranksBelow(scoreA: number, indexA: number, scoreB: number, indexB: number): boolean {
  const a = Math.abs(scoreA);
  const b = Math.abs(scoreB);
  const aNaN = a !== a;
  const bNaN = b !== b;
  if (aNaN !== bNaN) return bNaN;
  if (!aNaN && a !== b) return a < b;
  return indexA < indexB;
}

/**
 * The new mask: `defaultMask` with, in each group, every still-kept entry beyond the N largest
 * pruned. `importance` is flat, row-major in `shape` (TF.js layout).
 */
export function semiStructuredMask(
  importance: Float32Array,
  defaultMask: Uint8Array,
  shape: readonly number[],
  layout: WeightLayout,
  pattern: NmPattern,
  paramName = 'tensor',
): Uint8Array {
  validatePattern(pattern);
  checkSameLength(importance, defaultMask, shape, paramName);
  checkGroupShape(layout, shape, pattern.m, paramName);
  const { n, m } = pattern;
  const axis = INPUT_AXIS[layout];
  const inputs = shape[axis]!;
  let stride = 1; // distance between consecutive inputs: the entries after the input axis
  for (let d = axis + 1; d < shape.length; d++) stride *= shape[d]!;
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;

  const out = Uint8Array.from(defaultMask);
  // The still-kept entries of one group, kept in rank order (ascending) by insertion: M ≤ 64.
  const kept = new Int32Array(m);
  for (let o = 0; o < outer; o++) {
    const block = o * inputs * stride;
    for (let g = 0; g < inputs; g += m) {
      for (let s = 0; s < stride; s++) {
        const first = block + g * stride + s;
        let alive = 0;
        for (let j = 0; j < m; j++) {
          const index = first + j * stride;
          if (defaultMask[index]! === 0) continue;
          const score = importance[index]!;
          let at = alive++;
          while (at > 0 && ranksBelow(score, index, importance[kept[at - 1]!]!, kept[at - 1]!)) {
            kept[at] = kept[at - 1]!;
            at--;
          }
          kept[at] = index;
        }
        for (let r = 0; r < alive - n; r++) out[kept[r]!] = 0;
      }
    }
  }
  return out;
}

/** The method for a kernel of `layout`: keep `pattern.n` of every `pattern.m` along its input axis. */
export function semiStructured(pattern: NmPattern, layout: WeightLayout): PruningMethod {
  validatePattern(pattern);
  const { n, m } = pattern;
  return {
    name: 'semi_structured',
    kind: 'global',
    computeMask(importance, defaultMask, shape, paramName = 'tensor') {
      return semiStructuredMask(importance, defaultMask, shape, layout, pattern, paramName);
    },
    describe: () => ({ method: 'semi_structured', pattern: `${String(n)}:${String(m)}`, axis: INPUT_AXIS[layout] }),
  };
}
