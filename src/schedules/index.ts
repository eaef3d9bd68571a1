/**
 * Sparsity schedules: the target sparsity at each training step, and the steps at which the masks
 * are updated. Pure arithmetic on step numbers, as Distiller's policies and TF Model
 * Optimization's PruningSchedule, so the planner can expand a schedule into explicit mask updates
 * (printed by --dry-run) before training starts, from the real number of steps per epoch.
 *
 *   gradual  (Zhu & Gupta 2017, TF MOT's PolynomialDecay with power 3):
 *            s_t = s_f + (s_i − s_f) · (1 − (t − t0) / (t_end − t0))³
 *   linear   s_t = s_i + (s_f − s_i) · (t − t0) / (t_end − t0)
 *   constant s_t = s_f, one update at t0: prune-run never revives a pruned weight, so recomputing
 *            the same sparsity later would change nothing (TF MOT's ConstantSparsity recomputes
 *            the mask from the weights and may swap entries; torch's semantics do not).
 */
export const SCHEDULE_KINDS = ['gradual', 'linear', 'constant'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export const SCHEDULE_UNITS = ['epochs', 'steps'] as const;
export type ScheduleUnit = (typeof SCHEDULE_UNITS)[number];

/** A schedule as a recipe writes it: start and end in `unit`, `every` in steps. */
export interface ScheduleSpec {
  readonly kind: ScheduleKind;
  readonly initial: number;
  readonly final: number;
  readonly start: number;
  /** Not used by constant. */
  readonly end: number;
  readonly unit: ScheduleUnit;
  /** Steps between mask updates (gradual, linear). */
  readonly every: number;
}

/** A schedule on the step axis of one training task. */
export interface StepSchedule {
  readonly kind: ScheduleKind;
  readonly initial: number;
  readonly final: number;
  readonly startStep: number;
  readonly endStep: number;
  readonly every: number;
}

/** One mask update: before training step `step` (0-based; `step` = the task's total steps: after the last). */
export interface MaskUpdate {
  readonly step: number;
  readonly sparsity: number;
}

/**
 * Epochs → steps: epoch e starts at step e · stepsPerEpoch (epoch 0 is the start of training); a
 * fractional epoch rounds to the nearest step.
 */
export function toSteps(spec: ScheduleSpec, stepsPerEpoch: number): StepSchedule {
  const steps = (x: number) => (spec.unit === 'steps' ? x : Math.round(x * stepsPerEpoch));
  const startStep = steps(spec.start);
  return {
    kind: spec.kind,
    initial: spec.initial,
    final: spec.final,
    startStep,
    endStep: spec.kind === 'constant' ? startStep : steps(spec.end),
    every: spec.every,
  };
}

/** The schedule's target sparsity at step t (before t0: none is due; after t_end: the final). */
export function sparsityAt(schedule: StepSchedule, step: number): number {
  const { kind, initial, final, startStep, endStep } = schedule;
  if (kind === 'constant' || step >= endStep) return final;
  const progress = Math.max(0, (step - startStep) / (endStep - startStep));
  if (kind === 'linear') return initial + (final - initial) * progress;
  return final + (initial - final) * (1 - progress) ** 3;
}

/**
 * The mask updates: t0, t0 + every, … while before t_end, and t_end itself, so the final sparsity
 * is always reached (TF MOT prunes only where (t − t0) is a multiple of the frequency, and misses
 * it when the end is not on that grid).
 */
export function maskUpdates(schedule: StepSchedule): MaskUpdate[] {
  const updates: MaskUpdate[] = [];
  if (schedule.kind !== 'constant') {
    for (let step = schedule.startStep; step < schedule.endStep; step += schedule.every) {
      updates.push({ step, sparsity: sparsityAt(schedule, step) });
    }
  }
  updates.push({ step: schedule.endStep, sparsity: schedule.final });
  return updates;
}

const epochs = (n: number) => `${+n.toFixed(3)} epoch${n === 1 ? '' : 's'}`;

/** What is wrong with a schedule on a task of `totalSteps` steps, or null. */
export function scheduleProblem(spec: ScheduleSpec, schedule: StepSchedule, totalSteps: number, stepsPerEpoch: number): string | null {
  const where = (step: number) => `step ${step}${spec.unit === 'epochs' ? ` (epoch ${+(step / stepsPerEpoch).toFixed(3)})` : ''}`;
  if (spec.kind !== 'constant' && spec.initial > spec.final) {
    return `initial ${spec.initial} is above final ${spec.final}: a pruned weight is never revived, so sparsity can only grow`;
  }
  if (spec.kind !== 'constant' && schedule.endStep <= schedule.startStep) {
    return `end (${where(schedule.endStep)}) must come after start (${where(schedule.startStep)})`;
  }
  if (schedule.endStep > totalSteps) {
    const last = schedule.kind === 'constant' ? 'start' : 'end';
    return (
      `${last} is ${where(schedule.endStep)} but the stage trains ${totalSteps} steps ` +
      `(${epochs(totalSteps / stepsPerEpoch)} of ${stepsPerEpoch} steps); lower ${last} or train longer`
    );
  }
  return null;
}
