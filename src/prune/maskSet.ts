/**
 * The pruning state of a model: one ParameterState per tracked parameter, in insertion order.
 * Masks are the only pruning state a set owns (Distiller's lesson): each state borrows its
 * parameter's values rather than keeping a copy of the weights (parameter.ts says why).
 */
import { PruneError } from '../errors.js';
import { elementCount } from './checks.js';
import { effectiveWeights, type ParameterState } from './parameter.js';

export interface SparsityCount {
  count: number;
  zeros: number;
  /** zeros / count; 0 for an empty mask. */
  sparsity: number;
}

export function sparsityOf(mask: Uint8Array): SparsityCount {
  let zeros = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]! === 0) zeros++;
  return { count: mask.length, zeros, sparsity: mask.length === 0 ? 0 : zeros / mask.length };
}

/** What a released state holds instead of values (see valuesOf). */
const RELEASED = new Float32Array(0);

export class MaskSet {
  private readonly states = new Map<string, ParameterState>();

  /**
   * Starts tracking `name` with a mask of all ones, or, if it is already tracked, hands it the
   * parameter's current (e.g. trained) values. `values` is borrowed, not copied (see
   * parameter.ts): the set only reads it (unless it is passed as effective()'s `out`) and keeps it
   * until the next track or release, so pass the parameter's own weights or a copy that may stay
   * with the set. Returns the state.
   */
  track(name: string, shape: readonly number[], values: Float32Array): ParameterState {
    const n = elementCount(shape);
    if (values.length !== n) {
      throw new PruneError(
        'PRUNE_SHAPE_MISMATCH',
        `'${name}': shape [${shape.join(', ')}] has ${String(n)} entries but ${String(values.length)} values were given`,
      );
    }
    const existing = this.states.get(name);
    if (existing !== undefined) {
      if (existing.shape.length !== shape.length || existing.shape.some((d, i) => d !== shape[i])) {
        throw new PruneError(
          'PRUNE_SHAPE_MISMATCH',
          `'${name}' is tracked with shape [${existing.shape.join(', ')}], not [${shape.join(', ')}]`,
        );
      }
      existing.values = values;
      return existing;
    }
    const state: ParameterState = {
      name,
      shape: Object.freeze([...shape]),
      values,
      mask: new Uint8Array(n).fill(1),
      history: [],
    };
    this.states.set(name, state);
    return state;
  }

  /**
   * Drops the state's borrowed values (mask and history stay), so that a set kept between calls
   * does not hold a copy of the weights alive; track the parameter again before pruning it.
   */
  release(name: string): void {
    this.require(name).values = RELEASED;
  }

  get(name: string): ParameterState | undefined {
    return this.states.get(name);
  }

  has(name: string): boolean {
    return this.states.has(name);
  }

  /** Tracked names in insertion order. */
  names(): string[] {
    return [...this.states.keys()];
  }

  /** values × mask, into `out` when given (same length; `values` itself too), else as a new array. */
  effective(name: string, out?: Float32Array): Float32Array {
    return effectiveWeights(this.require(name), out);
  }

  /** torch's prune.remove: returns the effective weights and stops tracking (pruning stays). */
  remove(name: string): Float32Array {
    const weights = effectiveWeights(this.require(name));
    this.states.delete(name);
    return weights;
  }

  sparsity(name: string): SparsityCount {
    return sparsityOf(this.require(name).mask);
  }

  /** Sparsity over the given parameters (default: all tracked) counted as one vector. */
  globalSparsity(names: readonly string[] = this.names()): SparsityCount {
    let count = 0;
    let zeros = 0;
    for (const name of names) {
      const s = sparsityOf(this.require(name).mask);
      count += s.count;
      zeros += s.zeros;
    }
    return { count, zeros, sparsity: count === 0 ? 0 : zeros / count };
  }

  private require(name: string): ParameterState {
    const state = this.states.get(name);
    if (state === undefined) {
      const known = this.names();
      throw new PruneError(
        'PRUNE_UNKNOWN_PARAMETER',
        `'${name}' is not tracked` + (known.length > 0 ? ` (tracked: ${known.join(', ')})` : ' (nothing is tracked)'),
      );
    }
    return state;
  }
}
