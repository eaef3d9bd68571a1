/**
 * ResolvedRecipe + ModelDescription → Plan. Pure: no TF.js, no files. Everything that can be
 * checked before running (selectors, counts against parameter sizes) is checked here, so that a
 * bad recipe fails before a run folder exists.
 */
import { PlanError, RecipeError, type RecipeProblem } from '../errors.js';
import type { ModelDescription } from '../models/description.js';
import { allParameters } from '../models/description.js';
import type { Amount, ResolvedRecipe, Selector, Stage } from '../recipe/types.js';
import { SeededRandom } from '../util/random.js';
import { resolveSelectors } from './selectors.js';
import { PLAN_VERSION, type Plan, type PlanTask, type PruneGroup } from './types.js';

function checkCount(amount: Amount, size: number, what: string, at: Stage['at'], problems: RecipeProblem[]): void {
  if ('count' in amount && amount.count > size) {
    problems.push({ at, message: `count: ${amount.count} is more than the ${size} entries of ${what}` });
  }
}

function pruneGroups(
  stage: Stage,
  model: ModelDescription,
  seed: number,
  problems: RecipeProblem[],
): PruneGroup[] {
  const sizes = new Map(allParameters(model).map((p) => [p.name, p.size]));
  const groupSeed = (index: number) => SeededRandom.derive(seed, `prune:${stage.name}:${index}`).nextSeed();
  const pick = (selectors: readonly Selector[]) => {
    const { parameters, problems: found } = resolveSelectors(selectors, model);
    problems.push(...found);
    return parameters.map((p) => p.name);
  };
  const step = stage.prune;
  if (step.scope === 'global') {
    const parameters = pick(step.select);
    const total = parameters.reduce((sum, name) => sum + (sizes.get(name) ?? 0), 0);
    checkCount(step.amount, total, `the ${parameters.length} selected parameters together`, step.at, problems);
    return [{ method: step.method, amount: step.amount, parameters, seed: groupSeed(0) }];
  }
  return step.targets.map((target, index) => {
    const parameters = pick([target.select]);
    for (const name of parameters) checkCount(target.amount, sizes.get(name) ?? 0, name, target.at, problems);
    return { method: target.method, amount: target.amount, parameters, seed: groupSeed(index) };
  });
}

export function buildPlan(recipe: ResolvedRecipe, model: ModelDescription): Plan {
  const problems: RecipeProblem[] = [];
  const tasks: PlanTask[] = [];
  const needsData = recipe.train !== null || recipe.report.evaluate || recipe.stages.some((s) => s.finetune !== null);
  if (needsData && recipe.data === null) {
    // The recipe step reports this with a location; reaching here is a bug in that step.
    throw new PlanError('PLAN_NO_DATA', 'the recipe trains or evaluates but has no data');
  }

  tasks.push({
    id: 'load-model',
    kind: 'load-model',
    stage: null,
    dependsOn: [],
    model: recipe.model,
    seed: SeededRandom.derive(recipe.seed, 'model-init').nextSeed(),
  });
  let last = 'load-model';
  const dataDeps: string[] = [];
  if (needsData && recipe.data !== null) {
    tasks.push({ id: 'load-data', kind: 'load-data', stage: null, dependsOn: [], data: recipe.data, seed: recipe.seed });
    dataDeps.push('load-data');
  }
  if (recipe.train !== null) {
    tasks.push({
      id: 'train',
      kind: 'train',
      phase: 'train',
      stage: null,
      dependsOn: [last, ...dataDeps],
      config: recipe.train,
      seed: SeededRandom.derive(recipe.seed, 'train').nextSeed(),
    });
    last = 'train';
  }
  const evaluations: string[] = [];
  const evaluate = (id: string, stage: string | null, point: 'before-pruning' | 'pruned' | 'finetuned') => {
    if (!recipe.report.evaluate) return;
    evaluations.push(id);
    tasks.push({ id, kind: 'evaluate', stage, point, dependsOn: [last, ...dataDeps] });
  };
  evaluate('evaluate:before-pruning', null, 'before-pruning');

  for (const stage of recipe.stages) {
    const pruneId = `prune:${stage.name}`;
    tasks.push({
      id: pruneId,
      kind: 'prune',
      stage: stage.name,
      scope: stage.prune.scope,
      groups: pruneGroups(stage, model, recipe.seed, problems),
      dependsOn: [last],
    });
    last = pruneId;
    evaluate(`evaluate:${stage.name}:pruned`, stage.name, 'pruned');
    if (stage.finetune !== null) {
      const finetuneId = `finetune:${stage.name}`;
      tasks.push({
        id: finetuneId,
        kind: 'train',
        phase: 'finetune',
        stage: stage.name,
        dependsOn: [last, ...dataDeps],
        config: stage.finetune,
        seed: SeededRandom.derive(recipe.seed, `finetune:${stage.name}`).nextSeed(),
      });
      last = finetuneId;
      evaluate(`evaluate:${stage.name}:finetuned`, stage.name, 'finetuned');
    }
  }
  tasks.push({ id: 'export', kind: 'export', stage: null, dependsOn: [last], saveModel: recipe.report.saveModel });
  tasks.push({ id: 'report', kind: 'report', stage: null, dependsOn: ['export', ...evaluations] });

  if (problems.length > 0) throw new RecipeError(problems);
  return {
    version: PLAN_VERSION,
    recipe: { file: recipe.file, hash: recipe.hash },
    seed: recipe.seed,
    model: {
      source: model.source,
      parameters: allParameters(model).map(({ name, layer, layerType, shape, size }) => ({
        name,
        layer,
        layerType,
        shape,
        size,
      })),
    },
    tasks,
  };
}
