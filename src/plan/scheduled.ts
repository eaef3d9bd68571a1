/**
 * Scheduled pruning in the plan: which of a stage's prune groups prune during its training, and
 * their schedules laid out on that training's real steps (the steps per epoch come from the
 * training split's size and the batch size, never assumed).
 */
import type { RecipeProblem } from '../errors.js';
import type { LocatedSchedule, Stage } from '../recipe/types.js';
import { formatCount, RECIPE_LIMITS } from '../recipe/limits.js';
import { maskUpdates, scheduleProblem, toSteps, type StepSchedule } from '../schedules/index.js';
import type { PruneGroup, ScheduledGroup, TrainTask } from './types.js';

export interface PendingSchedule {
  readonly group: PruneGroup;
  readonly schedule: LocatedSchedule;
}

/**
 * The stage's groups split into those pruned at once and those on a schedule. pruneGroups makes
 * one group per target (one for a global step), in order, so the i-th group is the i-th target's.
 */
export function splitScheduled(stage: Stage, groups: readonly PruneGroup[]): { oneShot: PruneGroup[]; scheduled: PendingSchedule[] } {
  const step = stage.prune;
  const scheduleOf = (index: number): LocatedSchedule | null =>
    (step.scope === 'global' ? step.schedule : step.targets[index]?.schedule) ?? null;
  const oneShot: PruneGroup[] = [];
  const scheduled: PendingSchedule[] = [];
  groups.forEach((group, index) => {
    const schedule = scheduleOf(index);
    if (schedule === null) oneShot.push(group);
    else scheduled.push({ group, schedule });
  });
  return { oneShot, scheduled };
}

/** A schedule with more mask updates than RECIPE_LIMITS.maskUpdates (each is a listed plan entry and a pruning pass); null when within. */
function updateCountProblem(steps: StepSchedule): string | null {
  const updates = steps.kind === 'constant' ? 1 : Math.ceil((steps.endStep - steps.startStep) / steps.every) + 1;
  const limit = RECIPE_LIMITS.maskUpdates;
  if (updates <= limit) return null;
  return `it would update the masks ${formatCount(updates)} times (every ${formatCount(steps.every)} steps from step ${formatCount(steps.startStep)} to ${formatCount(steps.endStep)}); the limit is ${formatCount(limit)} updates a schedule: raise every`;
}

/** The schedules of a training task, expanded into mask updates; problems are located at each schedule. */
export function scheduledGroups(stage: Stage, pending: readonly PendingSchedule[], task: TrainTask, problems: RecipeProblem[]): ScheduledGroup[] {
  const totalSteps = task.stepsPerEpoch * task.config.epochs;
  return pending.map(({ group, schedule }) => {
    const steps = toSteps(schedule.spec, task.stepsPerEpoch);
    const problem = scheduleProblem(schedule.spec, steps, totalSteps, task.stepsPerEpoch) ?? updateCountProblem(steps);
    if (problem !== null) problems.push({ at: schedule.at, message: `schedule: ${problem}` });
    return { scope: stage.prune.scope, group, schedule: schedule.spec, updates: problem === null ? maskUpdates(steps) : [] };
  });
}
