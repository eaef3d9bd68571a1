/**
 * ResolvedRecipe + ModelDescription → Plan. Pure: no TF.js, no files. Everything that can be
 * checked before running (selectors, counts against parameter sizes) is checked here, so that a
 * bad recipe fails before a run folder exists.
 */
import { PlanError, RecipeError, type RecipeProblem } from '../errors.js';
import type { ModelDescription } from '../models/description.js';
import { allParameters } from '../models/description.js';
import type { ResolvedRecipe } from '../recipe/types.js';
import { SeededRandom } from '../util/random.js';
import { pruneGroups, removedParameters } from './pruneGroups.js';
import { PLAN_VERSION, type LoadModelTask, type Plan, type PlanTask } from './types.js';

export function buildPlan(recipe: ResolvedRecipe, model: ModelDescription): Plan {
  const problems: RecipeProblem[] = [];
  const tasks: PlanTask[] = [];
  const needsData = recipe.train !== null || recipe.report.evaluate || recipe.stages.some((s) => s.finetune !== null);
  if (needsData && recipe.data === null) {
    // The recipe step reports this with a location; reaching here is a bug in that step.
    throw new PlanError('PLAN_NO_DATA', 'the recipe trains or evaluates but has no data');
  }

  const loadModel: LoadModelTask = {
    id: 'load-model',
    kind: 'load-model',
    stage: null,
    dependsOn: [],
    model: recipe.model,
    seed: SeededRandom.derive(recipe.seed, 'model-init').nextSeed(),
    fresh: false,
  };
  tasks.push(loadModel);
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

  // The parameters tracked (pruned) at each point of the plan, as the engine's mask set will be:
  // it decides what composes and what `remove` may name.
  const pruned = new Set<string>();
  for (const stage of recipe.stages) {
    if (stage.fresh) {
      // Same source and seed as load-model: the same initial weights, no masks.
      const freshId = `fresh-model:${stage.name}`;
      tasks.push({ ...loadModel, id: freshId, stage: stage.name, dependsOn: [last], fresh: true });
      last = freshId;
      pruned.clear();
    }
    const context = { model, seed: recipe.seed, pruned: new Set(pruned), problems };
    const groups = pruneGroups(stage, context);
    for (const group of groups) for (const name of group.parameters) pruned.add(name);
    const remove = removedParameters(stage, pruned, context);
    for (const name of remove) pruned.delete(name);
    const pruneId = `prune:${stage.name}`;
    tasks.push({ id: pruneId, kind: 'prune', stage: stage.name, scope: stage.prune.scope, groups, remove, dependsOn: [last] });
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
  tasks.push({ id: 'export', kind: 'export', stage: null, dependsOn: [last], saveModel: recipe.report.saveModel, compact: recipe.export.compact, sparse: recipe.export.sparse });
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
