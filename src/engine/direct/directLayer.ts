/**
 * A layer as the direct pass runs it (made by layerOf.ts, placed in a graph by net.ts): its kind,
 * its options, and its trainable weights as slots of the flat parameter vector.
 */
import type * as tf from '@tensorflow/tfjs';

export interface WeightRef {
  /** The variable whose current data the pass reads (assign keeps the object, changes its data). */
  readonly variable: tf.Variable;
  /** Where the weight's gradient goes in the flat gradient vector. */
  readonly offset: number;
  readonly size: number;
}

type Pair = [number, number];
type Padding = 'valid' | 'same';

export type DirectLayer =
  | { readonly kind: 'conv2d'; readonly name: string; readonly kernel: WeightRef; readonly bias: WeightRef | null; readonly strides: Pair; readonly padding: Padding; readonly relu: boolean }
  /** A depthwise conv: kernel [KH, KW, C, multiplier]. */
  | { readonly kind: 'depthwise'; readonly name: string; readonly kernel: WeightRef; readonly bias: WeightRef | null; readonly strides: Pair; readonly padding: Padding; readonly relu: boolean }
  | { readonly kind: 'dense'; readonly name: string; readonly kernel: WeightRef; readonly bias: WeightRef | null; readonly relu: boolean }
  /**
   * Batch normalization over the last axis in training mode: by the mean and biased variance of
   * its input over the whole batch, every shard's (batchNorm.ts); a shard writes its part at
   * `recordOffset` of its batch-norm record (parallel/batchNormStatistics.ts) and of its sums.
   */
  | {
      readonly kind: 'batchNorm';
      readonly name: string;
      readonly gamma: WeightRef;
      readonly beta: WeightRef;
      readonly epsilon: number;
      readonly recordOffset: number;
      /** The ReLU or ReLU6 layer after it, taken in when the batch norm is its only input (net.ts). */
      readonly activation: 'linear' | 'relu' | 'relu6';
    }
  | { readonly kind: 'maxPool' | 'avgPool'; readonly name: string; readonly poolSize: Pair; readonly strides: Pair; readonly padding: Padding }
  | { readonly kind: 'globalAvgPool'; readonly name: string }
  | { readonly kind: 'flatten'; readonly name: string }
  /** Dropout, with masks drawn from the shard's images (shard.ts), not from TF.js's generator. */
  | { readonly kind: 'dropout'; readonly name: string; readonly rate: number }
  /** ReLU (max(x, 0)), ReLU6 (min(max(x, 0), 6)) or the identity, as a layer of its own. */
  | { readonly kind: 'activation'; readonly name: string; readonly fn: 'relu' | 'relu6' | 'linear' }
  /** The sum of its inputs (all of one shape). */
  | { readonly kind: 'add'; readonly name: string };

/** Weights a direct layer trains, as slots of the parameter vector. */
export function weightsOfLayer(layer: DirectLayer): WeightRef[] {
  switch (layer.kind) {
    case 'conv2d':
    case 'depthwise':
    case 'dense':
      return layer.bias === null ? [layer.kernel] : [layer.kernel, layer.bias];
    case 'batchNorm':
      return [layer.gamma, layer.beta];
    default:
      return [];
  }
}
