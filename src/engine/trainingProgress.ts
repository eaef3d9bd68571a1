/**
 * Where a training task stands at the end of an epoch: enough to go on from there and end with the
 * same weights, bit for bit, as a run never stopped (the epoch checkpoints of resume). The weights,
 * masks and rewind snapshots are the session's state (sessionState.ts); this is the rest: the
 * optimizer's own state, and what the finished epochs reported.
 */
import type { TrainConfig } from '../recipe/types.js';
import type { MaskUpdateResult } from './scheduledPruning.js';

/**
 * An optimizer's state as named arrays and numbers: the flat optimizers' moments and β powers, or
 * a TF.js optimizer's slot variables in its own order. Only the optimizer that wrote it reads it.
 * `optimizer` is the training config's, so the state names the optimizer the recipe chose.
 */
export interface OptimizerState extends Pick<TrainConfig, 'optimizer'> {
  readonly arrays: ReadonlyMap<string, Float32Array>;
  readonly numbers: Readonly<Record<string, number>>;
}

/** `epochs`: the training config's, the count the epoch is one of. */
export interface EpochResult extends Pick<TrainConfig, 'epochs'> {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly imagesPerSecond: number;
}

export interface TrainingProgress {
  /** Epochs finished; training goes on with the next. */
  readonly epochsDone: number;
  readonly epochs: readonly EpochResult[];
  readonly optimizer: OptimizerState;
  /** The scheduled mask updates applied so far (their masks are in the session state). */
  readonly maskUpdates: readonly MaskUpdateResult[];
}
