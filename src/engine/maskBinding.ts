/**
 * Keeps pruned weights at exactly zero while training. Holds each masked variable with its mask:
 * the 0/1 values for the flat optimizers (fused into the update), and, made on first use, a float
 * tensor for the TF.js optimizers' loop (multiplied in after every step), so that training with a
 * flat optimizer holds no 4-byte copy of the masks. Built once per training task (masks do not
 * change inside one) and disposed after it.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors.js';
import type { MaskSet } from '../prune/index.js';
import type { ParameterVector } from './parameterVector.js';
import { weightNamed } from './weights.js';

interface BoundMask {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly values: Uint8Array;
  /** values as a float32 tensor, made by enforce() on first use. */
  mask: tf.Tensor | null;
}

export class MaskBinding {
  private constructor(private readonly bound: readonly BoundMask[]) {}

  static none(): MaskBinding {
    return new MaskBinding([]);
  }

  /** Binds every parameter of the set that has at least one pruned entry. */
  static fromMaskSet(model: tf.LayersModel, masks: MaskSet): MaskBinding {
    const bound: BoundMask[] = [];
    for (const name of masks.names()) {
      const state = masks.get(name)!;
      if (!state.mask.includes(0)) continue;
      const variable = weightNamed(model, name).read() as tf.Variable;
      const values = Uint8Array.from(state.mask);
      bound.push({ name, variable, values, mask: null });
    }
    return new MaskBinding(bound);
  }

  get size(): number {
    return this.bound.length;
  }

  /**
   * variable ← variable × mask + 0, for every bound parameter. The + 0 turns the −0 that a negative
   * weight × 0 gives into +0, as pruning and the flat optimizers write it: a pruned entry is the
   * same bits on every path (sparse files store −0 as a value, and reruns compare bytes).
   */
  enforce(): void {
    if (this.bound.length === 0) return;
    tf.tidy(() => {
      const zero = tf.scalar(0);
      for (const entry of this.bound) {
        entry.mask ??= tf.keep(tf.tensor(Float32Array.from(entry.values), entry.variable.shape, 'float32'));
        entry.variable.assign(tf.add(tf.mul(entry.variable, entry.mask), zero));
      }
    });
  }

  /**
   * The masks laid out over `vector` (1 where a parameter is not masked), or null when nothing is
   * masked. A masked parameter that is not trainable (not in the vector) is an error: its zeros
   * would otherwise go unenforced.
   */
  flatMask(vector: ParameterVector): Uint8Array | null {
    if (this.bound.length === 0) return null;
    const flat = new Uint8Array(vector.size).fill(1);
    for (const { name, values } of this.bound) {
      const slot = vector.slots.find((s) => s.name === name);
      if (slot === undefined || slot.size !== values.length) {
        throw new EngineError('MASK_NOT_TRAINABLE', `masked parameter ${name} is not a trainable weight of ${String(values.length)} entries`);
      }
      flat.set(values, slot.offset);
    }
    return flat;
  }

  dispose(): void {
    for (const entry of this.bound) {
      entry.mask?.dispose();
      entry.mask = null;
    }
  }
}
