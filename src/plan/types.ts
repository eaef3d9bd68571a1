/**
 * The plan: a recipe compiled into an ordered list of tasks with explicit dependencies. Plain,
 * JSON-serialisable data (printed by `prune-run --dry-run`); the engine only executes it.
 */
import type { ImportanceSource, MethodSpec, PlannedPrune } from '../methods/index.js';
import type { GroupTargetOptions } from '../api/groupTarget.js';
import type { GroupNormOptions } from '../api/groupNorm.js';
import type { DataSource } from '../data/types.js';
import type { ModelDescription } from '../models/description.js';
import type { ExportConfig, ModelSource, ReportConfig, ResolvedRecipe, TrainConfig } from '../recipe/types.js';
import type { GlobalOptions } from '../prune/global.js';
import type { MaskUpdate, ScheduleSpec } from '../schedules/index.js';
import type { PruneCycle } from './pruneCycle.js';
import type { TaskBase } from './taskBase.js';

/**
 * 2: prune groups carry a method spec, importance and per-parameter plans; remove and fresh.
 * 4: train tasks carry scheduled pruning and weight snapshots; prune tasks a rewind; cycles.
 * 5: sensitivity tasks; global groups may allocate their amount from one.
 */
export const PLAN_VERSION = 5;

export interface PlannedParameter {
  readonly name: string;
  readonly layer: string;
  readonly layerType: string;
  readonly shape: readonly number[];
  readonly size: number;
}

export type { ImportanceSource, PlannedPrune } from '../methods/index.js';

/**
 * One method applied to one or more parameters: each separately (local) or as one pool (global).
 * Global groups carry the step's maxSparsityPerLayer (the core's GlobalOptions, as the recipe does).
 */
export interface PruneGroup extends GlobalOptions {
  /** Plain data; the engine builds the method through its descriptor (src/methods/). */
  readonly method: MethodSpec;
  readonly importance: ImportanceSource;
  readonly parameters: readonly string[];
  /** Per parameter name (the same names as `parameters`). */
  readonly planned: Readonly<Record<string, PlannedPrune>>;
  /**
   * Seed for random methods, derived from the recipe seed and the group's place in the plan. A
   * local group derives one stream per parameter from it (by name), so a parameter's mask does
   * not depend on which other parameters the selector picks.
   */
  readonly seed: number;
  /**
   * Global groups: the scores of the parameters ranked by something else than their weights
   * (torch's importance_scores={(module, name): scores}); absent when every one ranks by its weights.
   */
  readonly importanceByParameter?: Readonly<Record<string, ImportanceSource>>;
  /**
   * Global groups with `allocate: sensitivity`: the step's amount is split into per-parameter
   * counts read from the curves of this sensitivity task (prune/allocation.ts), each parameter
   * then pruned on its own (l1_unstructured, that count); absent: one global threshold.
   */
  readonly allocation?: { readonly sensitivity: string };
}

/**
 * Builds or loads the model, with no masks. Besides the first task, a stage with `fresh: true`
 * gets one: the same source and seed, so the same initial weights, and every mask dropped.
 */
export interface LoadModelTask extends TaskBase {
  readonly kind: 'load-model';
  readonly model: ModelSource;
  /** Seed for the initial weights of a built-in model. */
  readonly seed: number;
  /** True for a stage's fresh start (it replaces a model that may be pruned or trained). */
  readonly fresh: boolean;
  /** Keep the initial weights for a later rewind to init (lottery tickets). */
  readonly snapshot: boolean;
}

/**
 * Loads the data. Its caps and splits draw from `seed`, the recipe's own under its declaration: the
 * data stream predates the labelled streams of seeds.ts, and deriving it would change every earlier
 * run's split and shuffle.
 */
export interface LoadDataTask extends TaskBase, Pick<ResolvedRecipe, 'seed'> {
  readonly kind: 'load-data';
  readonly data: DataSource;
}

/**
 * A prune group applied during training by a schedule, expanded into its mask updates. The group's
 * amount is the schedule's final sparsity; at each update the engine prunes the number of entries
 * (structured: channels) that brings each parameter (global: the pool) to the update's sparsity,
 * counting what is already pruned.
 */
export interface ScheduledGroup {
  readonly scope: 'local' | 'global';
  readonly group: PruneGroup;
  /** The schedule as the recipe wrote it. */
  readonly schedule: ScheduleSpec;
  /** In step order; step = the task's total steps means after its last step. */
  readonly updates: readonly MaskUpdate[];
}

export interface TrainTask extends TaskBase {
  readonly kind: 'train';
  readonly phase: 'train' | 'finetune';
  readonly config: TrainConfig;
  /** Seed for shuffling batches. */
  readonly seed: number;
  /** Optimizer steps per epoch, from the training split's real size (schedules are laid out on it). */
  readonly stepsPerEpoch: number;
  /** Pruning during this task's steps; empty for none. */
  readonly scheduled: readonly ScheduledGroup[];
  /** Epochs after which the weights are kept for a later rewind (lottery tickets); empty for none. */
  readonly snapshotEpochs: readonly number[];
}

/** Structured pruning to a target (plan/filterGroups.ts checks it can run): prune.channelGroupsToTarget's options. */
export type GroupTargetTask = GroupTargetOptions;
/** An ln_structured target with `groups: true` (plan/groupNorms.ts): pure data, the norm as the recipe writes it. */
export type GroupNormTask = GroupNormOptions;

/** `rewind` and `cycle`: what the task takes from its stage (pruneCycle.ts). */
export interface PruneTask extends TaskBase, PruneCycle {
  readonly kind: 'prune';
  readonly scope: 'local' | 'global';
  /** Applied in order; empty for a stage that only removes. */
  readonly groups: readonly PruneGroup[];
  /** ln_structured targets with `groups: true`, after the groups; absent: none (so older plans key as before). */
  readonly groupNorms?: readonly GroupNormTask[];
  /**
   * After the groups, make pruning permanent on these parameters (torch's prune.remove): weight =
   * original × mask, mask and history dropped. Each is pruned at that point (the planner checks).
   */
  readonly remove: readonly string[];
  /** Structured pruning to a target (channel groups), after the groups; null: none. */
  readonly filters: GroupTargetTask | null;
}

export interface EvaluateTask extends TaskBase {
  readonly kind: 'evaluate';
  /** What the accuracy is measured after, as the report labels it. */
  readonly point: 'before-pruning' | 'pruned' | 'finetuned';
}

/**
 * Sensitivity analysis (Distiller's perform_sensitivity_analysis): from the state the task before
 * it left, each parameter alone and each channel group alone is pruned at each amount, evaluated
 * on the test split, and restored. It changes no state; its curves go into the record.
 */
export interface SensitivityTask extends TaskBase {
  readonly kind: 'sensitivity';
  /** Ascending, each in (0, 1]: a fraction of the parameter's still-unpruned entries, or of the group's remaining channels. */
  readonly amounts: readonly number[];
  /** Pruned alone with l1_unstructured (smallest |w| first), in model order. */
  readonly parameters: readonly string[];
  /** Channel groups by root layer, whose channels go lowest group importance first (as `filters:` ranks them). */
  readonly groups: readonly string[];
}

/**
 * The recipe's export and report.save_model, under the recipe's own declarations (find references
 * on ExportConfig.compact reaches the exporter directly); the recipe locations stay behind.
 */
export interface ExportTask extends TaskBase, Omit<ExportConfig, 'onnxAt' | 'compactAt'>, Pick<ReportConfig, 'saveModel'> {
  readonly kind: 'export';
}

export interface ReportTask extends TaskBase {
  readonly kind: 'report';
}

export type PlanTask = LoadModelTask | LoadDataTask | TrainTask | PruneTask | EvaluateTask | SensitivityTask | ExportTask | ReportTask;

/** `seed` is the recipe's, under its declaration (each task's own seed derives from it: seeds.ts). */
export interface Plan extends Pick<ResolvedRecipe, 'seed'> {
  readonly version: typeof PLAN_VERSION;
  readonly recipe: { readonly file: string; readonly hash: string };
  /** The description's source (a builtin's name, or the model file's path) and its parameters. */
  readonly model: Pick<ModelDescription, 'source'> & { readonly parameters: readonly PlannedParameter[] };
  readonly tasks: readonly PlanTask[];
  /** 'sensitivity': the plan of `prune-run sensitivity` (the recipe's training, then the analysis); absent: the recipe's own plan. */
  readonly command?: 'sensitivity';
}
