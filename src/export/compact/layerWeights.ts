/**
 * A layer's weights copied to host memory, in the layer's own weight order (the order setWeights
 * takes), addressable by their part name: `conv1/kernel` → 'kernel', `bn/moving_mean` →
 * 'moving_mean'. Compaction edits these copies and never the source model.
 */
import type * as tf from '@tensorflow/tfjs';
import { readWeight } from '../../engine/weights.js';
import type { HostArray } from './hostArray.js';

function partOf(originalName: string): string {
  return originalName.slice(originalName.lastIndexOf('/') + 1);
}

export class LayerWeights {
  private constructor(
    readonly names: readonly string[],
    private readonly arraysValue: HostArray[],
  ) {}

  static read(layer: tf.layers.Layer): LayerWeights {
    return new LayerWeights(
      layer.weights.map((w) => w.originalName),
      layer.weights.map((w) => ({ shape: [...w.shape] as number[], values: readWeight(w) })),
    );
  }

  get arrays(): readonly HostArray[] {
    return this.arraysValue;
  }

  get(part: string): HostArray | undefined {
    const index = this.names.findIndex((n) => partOf(n) === part);
    return index < 0 ? undefined : this.arraysValue[index];
  }

  /** Replaces an existing part (a layer never gains weights here). */
  set(part: string, array: HostArray): void {
    const index = this.names.findIndex((n) => partOf(n) === part);
    if (index < 0) throw new Error(`internal: no weight part '${part}' in ${this.names.join(', ')}`);
    this.arraysValue[index] = array;
  }
}
