/**
 * The plan's pruning work, bounded before it is built (RECIPE_LIMITS.plannedPrunes): a recipe of
 * a few hundred bytes could otherwise ask for millions of planned prunes — many targets that each
 * pick every parameter, repeated — and the plan would fill the memory before anything ran.
 */
import type { RecipeProblem } from '../errors.js';
import type { ModelDescription } from '../models/description.js';
import { formatCount, RECIPE_LIMITS } from '../recipe/limits.js';
import type { ResolvedRecipe, Selector, Stage } from '../recipe/types.js';
import { resolveSelectors } from './selectors.js';

/** Parameters one cycle of a stage prunes: each target's (a global step's once) and what it removes. */
function prunesPerCycle(stage: Stage, model: ModelDescription): number {
  const picked = (selectors: readonly Selector[]): number => resolveSelectors(selectors, model).parameters.length;
  const step = stage.prune;
  const pruned = step.scope === 'global' ? picked(step.select) : step.targets.reduce((sum, target) => sum + picked([target.select]), 0);
  return pruned + picked(stage.remove) + (stage.filters === null ? 0 : picked(stage.filters.select));
}

/** The refusal of a recipe whose plan would prune more than the limit, at the stage that passes it; null when it fits. */
export function planSizeProblem(recipe: ResolvedRecipe, model: ModelDescription): RecipeProblem | null {
  const limit = RECIPE_LIMITS.plannedPrunes;
  let total = 0;
  for (const stage of recipe.stages) {
    const perCycle = prunesPerCycle(stage, model);
    total += perCycle * stage.repeat;
    if (total > limit) {
      return {
        at: stage.at,
        message:
          `stage ${stage.name}: the plan would prune ${formatCount(total)} parameters up to this stage ` +
          `(${formatCount(perCycle)} per cycle here${stage.repeat > 1 ? `, repeat ${formatCount(stage.repeat)}` : ''}; each target counts the parameters it picks); ` +
          `the limit is ${formatCount(limit)} for a whole recipe: use fewer targets, selectors that pick fewer parameters, or a lower repeat`,
      };
    }
  }
  return null;
}
