/**
 * ln_structured targets with `groups: true`, compiled: the selected kernels' channel groups
 * checked against the model before any training (a kernel that makes no removable group, channels
 * that are not the outputs, a count larger than a group, a schedule or importance_scores, which
 * rank one parameter and not a group), and the target turned into a group task the engine runs
 * with prune.lnStructuredGroups.
 */
import type { RecipeProblem } from '../errors.js';
import type { ModelDescription } from '../models/description.js';
import { selectedGroups } from '../models/groupPruning.js';
import { formatNorm } from '../prune/norm.js';
import type { MethodSpec } from '../methods/index.js';
import type { LnStructuredSpec } from '../methods/lnStructured.js';
import type { Stage } from '../recipe/types.js';
import { groupsOfModel } from './filterGroups.js';
import type { GroupNormTask, PruneGroup } from './types.js';


export function isGroupNorm(method: MethodSpec): method is LnStructuredSpec & { groups: true } {
  return method.method === 'ln_structured' && method.groups === true;
}

/**
 * The group tasks of a stage's targets with `groups: true` (`all` is pruneGroups' output, one per
 * target in order); the caller drops those groups from its per-parameter pruning.
 */
export function planGroupNorms(stage: Stage, all: readonly PruneGroup[], model: ModelDescription, problems: RecipeProblem[]): GroupNormTask[] {
  if (stage.prune.scope !== 'local') return [];
  const tasks: GroupNormTask[] = [];
  stage.prune.targets.forEach((target, index) => {
    const group = all[index];
    if (group === undefined || !isGroupNorm(target.method)) return;
    const at = target.optionsAt['groups'] ?? target.at;
    const before = problems.length;
    if (target.schedule != null) problems.push({ at, message: 'groups: whole channel groups are pruned at once; a schedule raises one parameter\'s sparsity step by step — drop schedule (give amount or count) or groups' });
    if (target.importance !== null) problems.push({ at, message: 'groups: importance_scores rank one parameter\'s entries, not a group\'s channels; drop importance_scores or groups' });
    const notOutputs = group.parameters.filter((name) => {
      const shape = model.layers.flatMap((l) => l.params).find((p) => p.name === name)?.shape ?? [];
      return group.planned[name]?.axis !== shape.length - 1;
    });
    if (notOutputs.length > 0) problems.push({ at: target.optionsAt['axis'] ?? at, message: `groups: a channel group is made by output channels; ${notOutputs.join(', ')} would be pruned along another axis — use axis: out (dim: 0)` });
    const { groups, refused } = selectedGroups(model, groupsOfModel(model), group.parameters);
    for (const { why } of refused) problems.push({ at: target.select.at, message: `groups: ${why}` });
    const amount = target.method.amount;
    if ('count' in amount) {
      for (const g of groups.filter((g) => g.channels < amount.count)) {
        problems.push({ at: target.at, message: `count: ${amount.count} channels asked of group ${g.root}, which has ${g.channels}` });
      }
    }
    if (problems.length === before) tasks.push({ kernels: group.parameters, n: target.method.n, ...amount });
  });
  return tasks;
}

/** What a group task does, in words, for the dry-run and the report's stage list. */
export function describeGroupNorm(task: GroupNormTask): string {
  const amount = task.count !== undefined ? `${task.count} channel(s)` : `${+(task.amount * 100).toFixed(2)}% of the channels still unpruned`;
  return (
    `ln_structured over the channel groups of ${task.kernels.join(', ')}: each group loses ${amount}, smallest ${formatNorm(task.n)} norm first ` +
    '(the norm of everything a channel owns in its group; it goes with every slice of it: kernels, biases, batch norm, depthwise convs, the inputs that read it)'
  );
}
