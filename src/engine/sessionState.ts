/**
 * Everything of an engine session the tasks after a point depend on (data aside, which load-data
 * reloads), as plain arrays: what EngineSession captures and restores. The engine owns its shape;
 * the stage cache and a partial run's checkpoints (cache/state.ts) only store it.
 */

export interface PruningStateData {
  readonly name: string;
  readonly shape: readonly number[];
  readonly mask: Uint8Array;
  readonly history: readonly Record<string, unknown>[];
}

export interface SessionState {
  /** Every weight of the model by TF.js name (trainable or not). */
  readonly weights: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>;
  readonly pruning: readonly PruningStateData[];
  /** Rewind snapshots by key ('init', 'epoch:N'), each every weight by name. */
  readonly snapshots: ReadonlyMap<string, ReadonlyMap<string, Float32Array>>;
}
