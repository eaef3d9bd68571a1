/**
 * A model's trainable variables laid end to end in one Float32Array, in `trainableWeights` order.
 * The training loop's optimizer, masks and gradient shards all work on this flat view: one loop
 * over plain memory per step instead of a handful of TF.js ops per variable.
 */
import * as tf from '@tensorflow/tfjs';

export interface VectorSlot {
  /** The weight's TF.js name (`conv1/kernel`), as masks and recipes name it. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

export class ParameterVector {
  readonly slots: readonly VectorSlot[];
  readonly size: number;

  private constructor(private readonly variables: readonly tf.Variable[], slots: VectorSlot[]) {
    this.slots = slots;
    this.size = slots.reduce((sum, s) => sum + s.size, 0);
  }

  static of(model: tf.LayersModel): ParameterVector {
    const variables: tf.Variable[] = [];
    const slots: VectorSlot[] = [];
    let offset = 0;
    for (const weight of model.trainableWeights) {
      const variable = weight.read() as tf.Variable;
      variables.push(variable);
      slots.push({ name: weight.originalName, shape: [...variable.shape], offset, size: variable.size });
      offset += variable.size;
    }
    return new ParameterVector(variables, slots);
  }

  /** The variables, in slot order (what tf.variableGrads differentiates with respect to). */
  get trainable(): readonly tf.Variable[] {
    return this.variables;
  }

  /** Copies the variables' current values into `out` (length `size`). */
  read(out: Float32Array): Float32Array {
    for (const [i, slot] of this.slots.entries()) {
      out.set(this.variables[i]!.dataSync(), slot.offset);
    }
    return out;
  }

  /** Sets every variable from `values` (length `size`). */
  write(values: Float32Array): void {
    tf.tidy(() => {
      for (const [i, slot] of this.slots.entries()) {
        const variable = this.variables[i]!;
        variable.assign(tf.tensor(values.subarray(slot.offset, slot.offset + slot.size), variable.shape, 'float32'));
      }
    });
  }
}
