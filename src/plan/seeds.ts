/**
 * The random streams of a run derived from the recipe's `seed`, by label. The planner derives each
 * stream's seed here once and writes it into the task that draws from it (plan.json shows them), so
 * the engine takes a task's seed. Labelled streams are independent of one another (util/random.ts:
 * SeededRandom.derive), so adding a stream shifts no other; renaming a label changes every run's
 * numbers. The data stream is not derived: load-data takes the recipe seed itself (LoadDataTask).
 */
import type { ResolvedRecipe, Stage } from '../recipe/types.js';
import { SeededRandom } from '../util/random.js';

export interface RunSeeds {
  /** The built-in model's initial weights (load-model, and a stage's fresh start). */
  readonly modelInit: number;
  /** The batch order of the train or fine-tune task with this id ('train', 'finetune:<stage>#<cycle>'). */
  training(taskId: string): number;
  /** The random choices of a stage's prune group `index` in prune–fine-tune cycle `cycle` (1-based). */
  pruneGroup(stage: Pick<Stage, 'name'>, cycle: number, index: number): number;
}

export function runSeeds(recipe: Pick<ResolvedRecipe, 'seed'>): RunSeeds {
  const labelled = (label: string): number => SeededRandom.derive(recipe.seed, label).nextSeed();
  return {
    modelInit: labelled('model-init'),
    training: labelled,
    pruneGroup: (stage, cycle, index) => labelled(`prune:${stage.name}${cycle > 1 ? `#${String(cycle)}` : ''}:${String(index)}`),
  };
}
