/**
 * Sensitivity analysis in plans. Two ways in, one task kind (SensitivityTask):
 * - `prune-run sensitivity recipe.yaml`: the recipe's own tasks up to its first stage (so the
 *   training's cache key is the recipe run's, and a trained recipe's analysis costs no training),
 *   then one analysis of every parameter the recipe's stages select and every channel group its
 *   `filters:` steps put up, then the report.
 * - `allocate: sensitivity` on a global step: an analysis of the step's parameters just before
 *   its prune task, from which the engine splits the step's amount (prune/allocation.ts).
 * Both analyses depend on the same tasks when they start from the same state, and a task's key
 * leaves its id and stage out, so one can reuse the other's from the stage cache.
 */
import { RecipeError, type RecipeProblem, type SourceLocation } from '../errors.js';
import { allParameters, type ModelDescription, type ParameterDescription } from '../models/description.js';
import { selectedGroups } from '../models/groupPruning.js';
import { pythonRound } from '../prune/amount.js';
import type { ResolvedRecipe, Selector, Stage } from '../recipe/types.js';
import { groupsOfModel } from './filterGroups.js';
import { resolveSelectors } from './selectors.js';
import { taskHead } from './taskBase.js';
import type { Plan, PlanTask, PruneGroup, SensitivityTask } from './types.js';

/** The id of the command's analysis task (an allocating stage's is `sensitivity:<stage>[#cycle]`). */
export const SENSITIVITY_TASK_ID = 'sensitivity';

/** Which tasks change the state the next task starts from (an evaluation or an analysis does not; loading data neither). */
export function changesModel(task: PlanTask): boolean {
  return task.kind !== 'evaluate' && task.kind !== 'sensitivity' && task.kind !== 'load-data' && task.kind !== 'export' && task.kind !== 'report';
}

/**
 * The analysis an allocating global step needs, just before its prune task: its parameters at
 * the recipe's amounts, in `stage`. `after` is the task whose state it reads; `data` the data task(s).
 */
export function allocationAnalysis(id: string, stage: Pick<Stage, 'name'>, group: PruneGroup, amounts: readonly number[], after: string, data: readonly string[]): SensitivityTask {
  return { ...taskHead(id, 'sensitivity', stage, [after, ...data]), amounts: [...amounts], parameters: [...group.parameters], groups: [] };
}

/**
 * Whether the curves can give the step's whole amount: no parameter is given more than the highest
 * amount measured (or the layer-collapse cap). Checked here when every parameter starts unpruned
 * (its candidates are then its size); otherwise the engine checks it on the real counts.
 */
export function checkAllocationBudget(group: PruneGroup, model: ModelDescription, amounts: readonly number[], at: SourceLocation, problems: RecipeProblem[]): void {
  if (group.parameters.some((name) => group.planned[name]?.composes === true)) return;
  const sizes = group.parameters.map((name) => allParameters(model).find((p) => p.name === name)?.size ?? 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  const amount = 'amount' in group.method ? group.method.amount : { count: 0 };
  const budget = 'count' in amount ? amount.count : pythonRound(amount.amount * total);
  const highest = Math.max(...amounts);
  const cap = group.maxSparsityPerLayer ?? 1;
  const reach = sizes.reduce((sum, n) => sum + Math.min(pythonRound(highest * n), Math.floor(cap * n)), 0);
  if (budget > reach) {
    const limit = cap < highest ? `max_sparsity_per_layer ${cap}` : `the highest amount measured, ${highest},`;
    problems.push({
      at,
      message:
        `allocate: the step prunes ${budget} of its ${total} entries, but with no parameter above ${limit} the parameters give at most ${reach}; ` +
        'measure higher amounts (allocate: {by: sensitivity, amounts: [..., 0.99]}) or lower the step\'s amount',
    });
  }
}

function parametersOf(selectors: readonly Selector[], model: ModelDescription): ParameterDescription[] {
  return resolveSelectors(selectors, model).parameters;
}

/** The selectors of a stage's pruning (global or local targets). */
function stageSelectors(stage: Stage): readonly Selector[] {
  return stage.prune.scope === 'global' ? stage.prune.select : stage.prune.targets.map((t) => t.select);
}

/** Everything the recipe's stages select, in model order, and the channel groups its filters steps put up. */
export function sensitivityTargets(recipe: ResolvedRecipe, model: ModelDescription): { parameters: string[]; groups: string[] } {
  const chosen = new Set<string>();
  const kernels = new Set<string>();
  for (const stage of recipe.stages) {
    for (const p of parametersOf(stageSelectors(stage), model)) chosen.add(p.name);
    if (stage.filters !== null) for (const p of parametersOf(stage.filters.select, model)) kernels.add(p.name);
  }
  const order = allParameters(model).map((p) => p.name);
  const parameters = order.filter((name) => chosen.has(name));
  const groups = selectedGroups(model, groupsOfModel(model), [...kernels]).groups.map((g) => g.root);
  return { parameters, groups };
}

/**
 * The plan of `prune-run sensitivity`: the recipe plan's tasks before its first stage, the
 * analysis, the report. A recipe with nothing to analyse or no data is refused (RecipeError).
 */
export function sensitivityPlan(plan: Plan, recipe: ResolvedRecipe, model: ModelDescription, amounts: readonly number[]): Plan {
  const top = { file: recipe.file, line: 1, col: 1 };
  if (recipe.data === null) {
    throw new RecipeError([{ at: top, message: 'a sensitivity analysis evaluates on the test split, and the recipe has no data section (add one, e.g. data: {builtin: mnist})' }]);
  }
  const { parameters, groups } = sensitivityTargets(recipe, model);
  if (parameters.length === 0 && groups.length === 0) {
    const at = recipe.stages[0]?.at ?? top;
    throw new RecipeError([{ at, message: "the stages select no parameter to analyse (a sensitivity analysis prunes what the stages' global select, targets and filters pick)" }]);
  }
  const first = plan.tasks.findIndex((t) => t.stage !== null || t.kind === 'export');
  const before = plan.tasks.slice(0, first < 0 ? plan.tasks.length : first);
  const stateFrom = [...before].reverse().find(changesModel)?.id ?? 'load-model';
  const data = before.filter((t) => t.kind === 'load-data').map((t) => t.id);
  const evaluations = before.filter((t) => t.kind === 'evaluate').map((t) => t.id);
  const sorted = [...amounts].sort((a, b) => a - b);
  const analysis: SensitivityTask = { ...taskHead(SENSITIVITY_TASK_ID, 'sensitivity', null, [stateFrom, ...data]), amounts: sorted, parameters, groups };
  return {
    ...plan,
    command: 'sensitivity',
    tasks: [...before, analysis, taskHead('report', 'report', null, [SENSITIVITY_TASK_ID, ...evaluations])],
  };
}
