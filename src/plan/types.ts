/**
 * The plan: a recipe compiled into an ordered list of tasks with explicit dependencies. Plain,
 * JSON-serialisable data (printed by `prune-run --dry-run`); the engine only executes it.
 */
import type { Amount, DataSource, MethodName, ModelSource, TrainConfig } from '../recipe/types.js';

export const PLAN_VERSION = 1;

export interface PlannedParameter {
  readonly name: string;
  readonly layer: string;
  readonly layerType: string;
  readonly shape: readonly number[];
  readonly size: number;
}

/** One method applied to one or more parameters: each separately (local) or as one pool (global). */
export interface PruneGroup {
  readonly method: MethodName;
  readonly amount: Amount;
  readonly parameters: readonly string[];
  /** Seed for random methods, derived from the recipe seed and the group's place in the plan. */
  readonly seed: number;
}

interface TaskBase {
  readonly id: string;
  readonly dependsOn: readonly string[];
  /** The stage this task belongs to; null before the first stage and for export/report. */
  readonly stage: string | null;
}

export interface LoadModelTask extends TaskBase {
  readonly kind: 'load-model';
  readonly model: ModelSource;
  /** Seed for the initial weights of a built-in model. */
  readonly seed: number;
}

export interface LoadDataTask extends TaskBase {
  readonly kind: 'load-data';
  readonly data: DataSource;
  readonly seed: number;
}

export interface TrainTask extends TaskBase {
  readonly kind: 'train';
  readonly phase: 'train' | 'finetune';
  readonly config: TrainConfig;
  /** Seed for shuffling batches. */
  readonly seed: number;
}

export interface PruneTask extends TaskBase {
  readonly kind: 'prune';
  readonly scope: 'local' | 'global';
  readonly groups: readonly PruneGroup[];
}

export interface EvaluateTask extends TaskBase {
  readonly kind: 'evaluate';
  /** What the accuracy is measured after, as the report labels it. */
  readonly point: 'before-pruning' | 'pruned' | 'finetuned';
}

export interface ExportTask extends TaskBase {
  readonly kind: 'export';
  readonly saveModel: boolean;
}

export interface ReportTask extends TaskBase {
  readonly kind: 'report';
}

export type PlanTask = LoadModelTask | LoadDataTask | TrainTask | PruneTask | EvaluateTask | ExportTask | ReportTask;

export interface Plan {
  readonly version: typeof PLAN_VERSION;
  readonly recipe: { readonly file: string; readonly hash: string };
  readonly seed: number;
  readonly model: { readonly source: string; readonly parameters: readonly PlannedParameter[] };
  readonly tasks: readonly PlanTask[];
}
