/**
 * What every task of a plan has, and the one place a task takes its stage from the recipe: a
 * stage's `name` becomes its tasks' `stage` here, beside the declaration plan.json, the run record
 * and the stage cache read it through (they call it `stage`: a task belongs to a stage).
 */
import type { Stage } from '../recipe/types.js';

/** What every task has; the run record's entries reuse `stage` (runs/record.ts). */
export interface TaskBase {
  readonly id: string;
  readonly dependsOn: readonly string[];
  /** The stage this task belongs to; null before the first stage and for export/report. */
  readonly stage: string | null;
}

/** The fields every task starts with (plan.json lists them first): its id, kind, stage (null outside the stages) and dependencies. */
export function taskHead<K extends string>(id: string, kind: K, stage: Pick<Stage, 'name'> | null, dependsOn: readonly string[]): TaskBase & { readonly kind: K } {
  return { id, kind, stage: stage === null ? null : stage.name, dependsOn };
}
