/**
 * One stage's pruning and removal, compiled: selectors resolved to parameter names, each target's
 * method checked against the parameters it picks, and `remove` checked against what is pruned at
 * that point. Problems are collected (located), never thrown, so that one pass reports them all.
 */
import type { RecipeProblem } from '../errors.js';
import { tfjsNameOf } from '../models/torchNames.js';
import type { ModelDescription, ParameterDescription } from '../models/description.js';
import type { Amount } from '../prune/amount.js';
import type { GlobalImportance, Selector, Stage } from '../recipe/types.js';
import type { RunSeeds } from './seeds.js';
import { resolveSelectors } from './selectors.js';
import { checkImportance, planParameter } from './targetChecks.js';
import type { ImportanceSource, PlannedPrune, PruneGroup } from './types.js';

export interface StageContext {
  readonly model: ModelDescription;
  readonly seeds: RunSeeds;
  /** Parameters pruned (tracked) before this stage; pruneGroups does not change it. */
  readonly pruned: ReadonlySet<string>;
  readonly problems: RecipeProblem[];
  /** The prune–fine-tune cycle (1-based); cycles after the first draw fresh random streams. */
  readonly cycle?: number;
}

function pick(selectors: readonly Selector[], context: StageContext): ParameterDescription[] {
  const { parameters, problems } = resolveSelectors(selectors, context.model);
  context.problems.push(...problems);
  return parameters;
}

function checkGlobalCount(amount: Amount, parameters: readonly ParameterDescription[], at: Stage['at'], problems: RecipeProblem[]): void {
  const total = parameters.reduce((sum, p) => sum + p.size, 0);
  if ('count' in amount && amount.count > total) {
    problems.push({
      at,
      message: `count: ${amount.count} is more than the ${total} entries of the ${parameters.length} selected parameters together`,
    });
  }
}

/**
 * A global step's importance_scores mapping, as torch's global_unstructured takes it: each key a
 * selected parameter (torch ranks only the `parameters` it is given), each source checked against it.
 */
function globalImportance(
  entries: readonly GlobalImportance[],
  selected: readonly ParameterDescription[],
  context: StageContext,
): Record<string, ImportanceSource> {
  const byParameter: Record<string, ImportanceSource> = {};
  for (const { parameter, keyAt, scores } of entries) {
    // On a model imported from torch the key may be the state-dict name (fc1.weight), as in torch's own mapping.
    const named = tfjsNameOf(context.model.torch, parameter) ?? parameter;
    const ranked = selected.find((p) => p.name === named);
    if (ranked === undefined) {
      context.problems.push({
        at: keyAt,
        message:
          `importance_scores: ${parameter} is not among the parameters this global step selects ` +
          `(${selected.map((p) => p.name).join(', ') || 'none'}); a key names a selected parameter, the scores rank it`,
      });
      continue;
    }
    const source = checkImportance(scores, [ranked], context.model, 'it ranks', context.problems);
    if (source !== null) byParameter[named] = source;
  }
  return byParameter;
}

export function pruneGroups(stage: Stage, context: StageContext): PruneGroup[] {
  const groupSeed = (index: number) => context.seeds.pruneGroup(stage, context.cycle ?? 1, index);
  const planned = (parameters: readonly ParameterDescription[], plan: (p: ParameterDescription, composes: boolean) => PlannedPrune) =>
    Object.fromEntries(parameters.map((p) => [p.name, plan(p, context.pruned.has(p.name))]));
  const step = stage.prune;
  if (step.scope === 'global') {
    const parameters = pick(step.select, context);
    checkGlobalCount(step.method.amount, parameters, step.at, context.problems);
    const byParameter = globalImportance(step.importance, parameters, context);
    return [
      {
        method: step.method,
        importance: { kind: 'weights' },
        ...(Object.keys(byParameter).length === 0 ? {} : { importanceByParameter: byParameter }),
        parameters: parameters.map((p) => p.name),
        planned: planned(parameters, (_p, composes) => ({ layout: null, axis: null, composes })),
        seed: groupSeed(0),
        maxSparsityPerLayer: step.maxSparsityPerLayer,
      },
    ];
  }
  return step.targets.map((target, index): PruneGroup => {
    const parameters = pick([target.select], context);
    const importance = target.importance && checkImportance(target.importance, parameters, context.model, 'this target prunes', context.problems);
    return {
      method: target.method,
      importance: importance ?? { kind: 'weights' },
      parameters: parameters.map((p) => p.name),
      planned: planned(parameters, (p, composes) => planParameter(context.model, target, p, composes, context.problems)),
      seed: groupSeed(index),
    };
  });
}

/**
 * The parameters a stage's `remove` makes permanent. torch's prune.remove raises for a parameter
 * that is not pruned; so does this, at the selector, naming what is pruned at that point.
 */
export function removedParameters(stage: Stage, prunedNow: ReadonlySet<string>, context: StageContext): string[] {
  const names: string[] = [];
  for (const selector of stage.remove) {
    for (const p of pick([selector], context)) {
      if (prunedNow.has(p.name)) {
        if (!names.includes(p.name)) names.push(p.name);
        continue;
      }
      const now = [...prunedNow];
      context.problems.push({
        at: selector.at,
        message:
          `remove: ${p.name} is not pruned at this point, so there is nothing to make permanent ` +
          `(torch's prune.remove raises too); ${now.length > 0 ? `pruned now: ${now.join(', ')}` : 'nothing is pruned now'}`,
      });
    }
  }
  return names;
}
