/**
 * A `filters:` step compiled: the selected kernels checked against the model's channel groups,
 * and the target checked against what the groups can give, so that a step that cannot run is
 * refused here, before any training (the engine recomputes the same groups from the model).
 */
import type { RecipeProblem } from '../errors.js';
import { channelGroups, type ChannelGroup } from '../models/channelGroups.js';
import type { ModelDescription } from '../models/description.js';
import { costModelOf, MEASURE_WORDS, ownedUnitsOf, selectedGroups } from '../models/groupPruning.js';
import { denseCost } from '../prune/groupCost.js';
import { channelFloor, floorCost } from '../prune/groupTarget.js';
import type { FilterStep } from '../recipe/types.js';
import { resolveSelectors } from './selectors.js';
import type { GroupTargetTask } from './types.js';

const groupsByModel = new WeakMap<ModelDescription, ChannelGroup[]>();

/** The model's channel groups, computed once per description (several stages may ask). */
export function groupsOfModel(model: ModelDescription): ChannelGroup[] {
  let groups = groupsByModel.get(model);
  if (groups === undefined) {
    groups = channelGroups(model);
    groupsByModel.set(model, groups);
  }
  return groups;
}

const pct = (fraction: number) => `${+(fraction * 100).toFixed(2)}%`;

/** The kernels whose groups the step may cut; every refused kernel is a problem at its selector. */
function selectedKernels(step: FilterStep, model: ModelDescription, groups: readonly ChannelGroup[], problems: RecipeProblem[]): { kernels: string[]; chosen: ChannelGroup[] } {
  const kernels: string[] = [];
  for (const selector of step.select) {
    const found = resolveSelectors([selector], model);
    problems.push(...found.problems);
    const { refused } = selectedGroups(model, groups, found.parameters.map((p) => p.name));
    for (const { why } of refused) problems.push({ at: selector.at, message: `filters: ${why}` });
    for (const p of found.parameters) if (!refused.some((r) => r.kernel === p.name) && !kernels.includes(p.name)) kernels.push(p.name);
  }
  return { kernels, chosen: selectedGroups(model, groups, kernels).groups };
}

/** The step as a task, or null when it has problems (pushed, located). */
export function planGroupTarget(step: FilterStep, model: ModelDescription, problems: RecipeProblem[]): GroupTargetTask | null {
  const before = problems.length;
  const groups = groupsOfModel(model);
  const { kernels, chosen } = selectedKernels(step, model, groups, problems);
  const { measure, fraction, at } = step.target;
  const cost = costModelOf(model, measure);
  if ('unknown' in cost) {
    problems.push({ at, message: `filters: target in macs: the model's multiply-adds cannot be told (${cost.unknown}); give the target in params` });
  } else if (chosen.length > 0) {
    const floors = chosen.map((g) => ({ name: g.root, channels: g.channels, floor: channelFloor(g.channels, step.minChannels), importance: [], removed: new Array<boolean>(g.channels).fill(false), owns: ownedUnitsOf(g) }));
    const dense = denseCost(cost);
    const reachable = dense === 0 ? 0 : (dense - floorCost({ cost, groups: floors, measure: MEASURE_WORDS[measure] })) / dense;
    if (fraction > reachable + 1e-9) {
      problems.push({
        at,
        message:
          `filters: target ${pct(fraction)} of the model's ${dense} ${MEASURE_WORDS[measure]} cannot be reached: with every selected group at its floor ` +
          `(min_channels ${step.minChannels}: ${floors.map((g) => `${g.name} keeps ${g.floor} of ${g.channels}`).join(', ')}) the removed channels take away ${pct(reachable)}; ` +
          'lower the target or min_channels, or select more kernels',
      });
    }
  }
  return problems.length > before ? null : { kernels, measure, fraction, minChannels: step.minChannels };
}
