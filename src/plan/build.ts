/**
 * ResolvedRecipe + ModelDescription → Plan. Pure: no TF.js, no files. Everything that can be
 * checked before running (selectors, counts against parameter sizes, schedules against the real
 * number of steps) is checked here, so that a bad recipe fails before a run folder exists.
 */
import { PlanError, RecipeError, type RecipeProblem } from '../errors.js';
import type { ModelDescription } from '../models/description.js';
import { allParameters } from '../models/description.js';
import { onnxExportRefusal } from '../layers/onnx.js';
import type { ResolvedRecipe, Stage, TrainConfig } from '../recipe/types.js';
import { planGroupTarget } from './filterGroups.js';
import { isGroupNorm, planGroupNorms } from './groupNorms.js';
import { planSizeProblem } from './planSize.js';
import { pruneCycle } from './pruneCycle.js';
import { pruneGroups, removedParameters } from './pruneGroups.js';
import { runSeeds } from './seeds.js';
import { scheduledGroups, splitScheduled } from './scheduled.js';
import { taskHead } from './taskBase.js';
import { allocationAnalysis, checkAllocationBudget } from './sensitivity.js';
import { PLAN_VERSION, type LoadModelTask, type Plan, type PlanTask, type PruneGroup, type TrainTask } from './types.js';

/** What the planner needs to know about the data without loading it. */
export interface DataCounts {
  /** Images in the training split (the schedule's steps per epoch come from it). */
  readonly train: number;
}

function trainingImages(recipe: ResolvedRecipe, counts: DataCounts | undefined): number | null {
  const data = recipe.data;
  if (data === null) return null;
  if (data.trainSize !== null) return data.trainSize;
  if (counts === undefined) throw new PlanError('PLAN_NO_DATA', 'the size of the training split is needed to plan (read it from the data files first)');
  return counts.train;
}

/** Epochs of the recipe's train after which weights are kept, and whether the initial ones are. */
function rewindSnapshots(recipe: ResolvedRecipe, problems: RecipeProblem[]): { init: boolean; epochs: number[] } {
  const epochs = new Set<number>();
  let init = false;
  for (const stage of recipe.stages) {
    const rewind = stage.rewind;
    if (rewind === null) continue;
    if (rewind.point.kind === 'init') {
      init = true;
      continue;
    }
    const trained = recipe.train?.epochs ?? 0;
    if (rewind.point.epoch > trained) {
      problems.push({
        at: rewind.at,
        message:
          `rewind: {epoch: ${rewind.point.epoch}} names an epoch of the recipe's train, which has ` +
          (trained === 0 ? 'no epochs; train first, or rewind: init' : `${trained} epoch${trained === 1 ? '' : 's'}; use 1 to ${trained}, or init`),
      });
      continue;
    }
    epochs.add(rewind.point.epoch);
  }
  return { init, epochs: [...epochs].sort((a, b) => a - b) };
}

function stepsPerEpoch(config: TrainConfig, images: number | null): number {
  return images === null ? 0 : Math.ceil(images / config.batchSize);
}

/** A stage's own combinations that cannot work, located. */
function stageProblems(stage: Stage, hasSchedule: boolean): RecipeProblem[] {
  if (!hasSchedule) return [];
  const problems: RecipeProblem[] = [];
  const where = stage.prune.scope === 'global' ? stage.prune.schedule?.at : stage.prune.targets.find((t) => t.schedule)?.schedule?.at;
  const at = where ?? stage.at;
  if (stage.finetune === null) {
    problems.push({ at, message: `stage ${stage.name}: a schedule prunes during the stage's training; add finetune: {epochs: N} to the stage` });
  }
  if (stage.repeat > 1) {
    problems.push({ at, message: `stage ${stage.name}: repeat and schedule both spread pruning out; use one (a schedule already prunes step by step)` });
  }
  if (stage.remove.length > 0) {
    problems.push({ at: stage.remove[0]!.at, message: `stage ${stage.name}: remove would run before the scheduled pruning ends; put it in the next stage` });
  }
  if (stage.rewind !== null) {
    problems.push({ at: stage.rewind.at, message: `stage ${stage.name}: rewind resets weights after one-shot pruning; it does not combine with a schedule` });
  }
  return problems;
}

export function buildPlan(recipe: ResolvedRecipe, model: ModelDescription, counts?: DataCounts): Plan {
  const problems: RecipeProblem[] = [];
  const tasks: PlanTask[] = [];
  const needsData = recipe.train !== null || recipe.report.evaluate || recipe.stages.some((s) => s.finetune !== null || (s.prune.scope === 'global' && (s.prune.allocate ?? null) !== null));
  if (needsData && recipe.data === null) {
    // The recipe step reports this with a location; reaching here is a bug in that step.
    throw new PlanError('PLAN_NO_DATA', 'the recipe trains or evaluates but has no data');
  }
  // Before anything is built: a plan past the size limit is refused, not built and then refused.
  const tooLarge = planSizeProblem(recipe, model);
  if (tooLarge !== null) throw new RecipeError([tooLarge]);
  const images = needsData ? trainingImages(recipe, counts) : null;
  const snapshots = rewindSnapshots(recipe, problems);
  const seeds = runSeeds(recipe);

  const loadModel: LoadModelTask = {
    ...taskHead('load-model', 'load-model', null, []),
    model: recipe.model,
    seed: seeds.modelInit,
    fresh: false,
    snapshot: snapshots.init,
  };
  tasks.push(loadModel);
  let last = 'load-model';
  const dataDeps: string[] = [];
  if (needsData && recipe.data !== null) {
    tasks.push({ ...taskHead('load-data', 'load-data', null, []), data: recipe.data, seed: recipe.seed });
    dataDeps.push('load-data');
  }
  const trainTask = (id: string, phase: TrainTask['phase'], stage: Stage | null, config: TrainConfig): TrainTask => ({
    ...taskHead(id, 'train', stage, [last, ...dataDeps]),
    phase,
    config,
    seed: seeds.training(id),
    stepsPerEpoch: stepsPerEpoch(config, images),
    scheduled: [],
    snapshotEpochs: [],
  });
  if (recipe.train !== null) {
    tasks.push({ ...trainTask('train', 'train', null, recipe.train), snapshotEpochs: snapshots.epochs });
    last = 'train';
  }
  const evaluations: string[] = [];
  const evaluate = (id: string, stage: Stage | null, point: 'before-pruning' | 'pruned' | 'finetuned') => {
    if (!recipe.report.evaluate) return;
    evaluations.push(id);
    tasks.push({ ...taskHead(id, 'evaluate', stage, [last, ...dataDeps]), point });
  };
  evaluate('evaluate:before-pruning', null, 'before-pruning');

  // The parameters tracked (pruned) at each point of the plan, as the engine's mask set will be:
  // it decides what composes and what `remove` may name.
  const pruned = new Set<string>();
  for (const stage of recipe.stages) {
    if (stage.fresh) {
      // Same source and seed as load-model: the same initial weights, no masks.
      const freshId = `fresh-model:${stage.name}`;
      tasks.push({ ...loadModel, ...taskHead(freshId, 'load-model', stage, [last]), fresh: true });
      last = freshId;
      pruned.clear();
    }
    for (let cycle = 1; cycle <= stage.repeat; cycle++) {
      // One cycle's tasks; a single cycle keeps the plain ids (prune:<stage>), cycles are #1, #2, ….
      const suffix = stage.repeat > 1 ? `#${cycle}` : '';
      const context = { model, seeds, pruned: new Set(pruned), problems, cycle };
      const all: PruneGroup[] = pruneGroups(stage, context);
      const groupNorms = planGroupNorms(stage, all, model, cycle === 1 ? problems : []);
      const perParameter = (g: PruneGroup) => !isGroupNorm(g.method);
      const split = splitScheduled(stage, all);
      const oneShot = split.oneShot.filter(perParameter);
      const scheduled = split.scheduled.filter(({ group }) => perParameter(group));
      if (cycle === 1) problems.push(...stageProblems(stage, scheduled.length > 0));
      for (const name of [...oneShot.flatMap((g) => g.parameters), ...groupNorms.flatMap((g) => g.kernels)]) pruned.add(name);
      const remove = removedParameters(stage, pruned, context);
      for (const name of remove) pruned.delete(name);
      const filters = stage.filters === null ? null : planGroupTarget(stage.filters, model, problems);
      for (const name of filters?.kernels ?? []) pruned.add(name);
      if (oneShot.length > 0 || groupNorms.length > 0 || remove.length > 0 || filters !== null || scheduled.length === 0) {
        const pruneId = `prune:${stage.name}${suffix}`;
        // allocate: sensitivity: the step's parameters analysed on the state it prunes, just before it.
        const allocate = stage.prune.scope === 'global' ? (stage.prune.allocate ?? null) : null;
        const analysed = allocate === null ? [] : oneShot.map((group) => {
          checkAllocationBudget(group, model, allocate.amounts, allocate.at, problems);
          const analysis = allocationAnalysis(`sensitivity:${stage.name}${suffix}`, stage, group, allocate.amounts, last, dataDeps);
          tasks.push(analysis);
          return { ...group, allocation: { sensitivity: analysis.id } };
        });
        tasks.push({
          ...taskHead(pruneId, 'prune', stage, [last, ...analysed.map((g) => g.allocation.sensitivity)]),
          scope: stage.prune.scope,
          groups: allocate === null ? oneShot : analysed,
          ...(groupNorms.length === 0 ? {} : { groupNorms }),
          remove,
          filters,
          ...pruneCycle(stage, cycle),
        });
        last = pruneId;
        evaluate(`evaluate:${stage.name}${suffix}:pruned`, stage, 'pruned');
      }
      if (stage.finetune !== null) {
        const finetuneId = `finetune:${stage.name}${suffix}`;
        const task = trainTask(finetuneId, 'finetune', stage, stage.finetune);
        const withSchedule = scheduled.length === 0 ? task : { ...task, scheduled: scheduledGroups(stage, scheduled, task, problems) };
        tasks.push(withSchedule);
        last = finetuneId;
        evaluate(`evaluate:${stage.name}${suffix}:finetuned`, stage, 'finetuned');
      }
      for (const { group } of scheduled) for (const name of group.parameters) pruned.add(name);
    }
  }
  // A layer ONNX export cannot write: say so now too, naming every such layer.
  if (recipe.export.onnx) {
    for (const layer of model.layers) {
      const refusal = onnxExportRefusal(layer.className);
      if (refusal !== null) problems.push({ at: recipe.export.onnxAt ?? { file: recipe.file, line: 1, col: 1 }, message: `export.onnx: layer '${layer.name}': ${refusal}` });
    }
  }
  const { compact, foldBatchNorm, sparse, onnx } = recipe.export;
  tasks.push({ ...taskHead('export', 'export', null, [last]), saveModel: recipe.report.saveModel, compact, ...(foldBatchNorm === true ? { foldBatchNorm } : {}), sparse, onnx });
  tasks.push(taskHead('report', 'report', null, ['export', ...evaluations]));

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
