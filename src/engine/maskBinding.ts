/**
 * Keeps pruned weights at exactly zero while training: holds each masked variable with its mask
 * as a float tensor, and multiplies them after every optimizer step. Built once per training
 * task (masks do not change inside one) and disposed after it.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskSet } from '../prune/index.js';
import { weightNamed } from './weights.js';

interface BoundMask {
  readonly variable: tf.Variable;
  readonly mask: tf.Tensor;
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
      bound.push({ variable, mask: tf.tensor(Float32Array.from(state.mask), variable.shape, 'float32') });
    }
    return new MaskBinding(bound);
  }

  get size(): number {
    return this.bound.length;
  }

  /** variable ← variable × mask, for every bound parameter. */
  enforce(): void {
    if (this.bound.length === 0) return;
    tf.tidy(() => {
      for (const { variable, mask } of this.bound) variable.assign(tf.mul(variable, mask));
    });
  }

  dispose(): void {
    for (const { mask } of this.bound) mask.dispose();
  }
}
