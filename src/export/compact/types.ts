/**
 * What compact export returns: the smaller model and, per Conv2D / Dense layer, which output
 * channels it lost, so a report can say where the parameters went.
 */
import type * as tf from '@tensorflow/tfjs';

export interface CompactedLayer {
  /** Layer name, e.g. 'conv1' (the compact model keeps every name). */
  readonly name: string;
  /** 'Conv2D' or 'Dense'. */
  readonly className: string;
  /** Filters / units before compaction. */
  readonly channelsBefore: number;
  /** Output channels removed, as indices in the original layer, ascending. */
  readonly removed: readonly number[];
}

export interface CompactResult {
  /** A new, plain TF.js model with the same layer names and architecture; the caller disposes it. */
  readonly model: tf.LayersModel;
  /** Every Conv2D and Dense layer, in model order, including those that lost nothing. */
  readonly layers: readonly CompactedLayer[];
  readonly parametersBefore: number;
  readonly parametersAfter: number;
  /**
   * Why a plain chain was compacted only where channels are exactly zero (the chain path could not
   * fold a constant through a layer, named in the text); absent when nothing held it back.
   */
  readonly exactZerosOnly?: string;
}
