/**
 * What a prune task takes from its stage as written: which of the stage's prune–fine-tune cycles
 * it is, and the rewind point after it. The fields and the one place that derives them from the
 * stage (`repeat`, `rewind`) sit together, so following either key leads here and then straight
 * to the code that reads the task. The plan's JSON keeps its names (`cycle.of`, `rewind`).
 */
import type { RewindPoint, Stage } from '../recipe/types.js';

export interface PruneCycle {
  /** After pruning, reset the surviving weights to a snapshot (lottery tickets); null: none. */
  readonly rewind: RewindPoint | null;
  /** Which prune–fine-tune cycle of its stage this is (1-based) and how many there are (the stage's repeat). */
  readonly cycle: { readonly index: number; readonly of: number };
}

/** The prune task fields of cycle `index` (1-based) of the stage. */
export function pruneCycle(stage: Pick<Stage, 'repeat' | 'rewind'>, index: number): PruneCycle {
  return { rewind: stage.rewind?.point ?? null, cycle: { index, of: stage.repeat } };
}
