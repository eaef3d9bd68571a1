/**
 * What a run did, accumulated task by task: the material for report.md and the summary. Plain
 * data (no tensors), so reports can be rendered and tested without TF.js.
 */
import type { TaskBase } from '../plan/taskBase.js';
import type { ResolvedRecipe } from '../recipe/types.js';

export interface SparsityFigures {
  readonly count: number;
  readonly zeros: number;
  readonly sparsity: number;
}

/** An entry's `stage` is its task's, under TaskBase's declaration: find references on it reaches every reader. */
export interface EvaluationEntry extends Pick<TaskBase, 'stage'> {
  readonly taskId: string;
  readonly point: 'before-pruning' | 'pruned' | 'finetuned';
  readonly loss: number;
  readonly accuracy: number;
  readonly count: number;
}

export interface TrainingEntry extends Pick<TaskBase, 'stage'> {
  readonly taskId: string;
  readonly phase: 'train' | 'finetune';
  readonly epochs: readonly { epoch: number; loss: number; accuracy: number; imagesPerSecond: number }[];
  /** Scheduled pruning during this task: each mask update, in order; absent when none. */
  readonly maskUpdates?: readonly MaskUpdateEntry[];
}

/** One mask update of a schedule: the step it came before, the schedule's target and what was reached. */
export interface MaskUpdateEntry {
  readonly step: number;
  readonly epoch: number;
  /** Which scheduled group of the task (targets in recipe order; 0 for a global step). */
  readonly group: number;
  readonly target: number;
  /** Over the group's parameters, after the update. */
  readonly sparsity: number;
  readonly newlyPruned: number;
}

/** `stage`: the task's, or for a schedule in the recipe's train (no stage) the task's id. */
export interface PruningEntry extends NonNullFields<Pick<TaskBase, 'stage'>> {
  readonly taskId: string;
  readonly scope: 'local' | 'global';
  readonly description: string;
  /** Sparsity of each parameter this stage pruned, after the stage. */
  readonly parameters: Readonly<Record<string, SparsityFigures>>;
  /** Each of those parameters' history after the stage (a later fresh start or remove drops it). */
  readonly history?: Readonly<Record<string, readonly Record<string, unknown>[]>>;
  /** Parameters whose pruning this stage made permanent (torch's prune.remove). */
  readonly removed?: readonly string[];
  /** Over every parameter pruned so far. */
  readonly global: SparsityFigures;
  /** torch's prune.is_pruned(model) after the stage: whether any parameter of the model carries a mask. */
  readonly isPruned?: boolean;
  /** `allocate: sensitivity`: the per-parameter counts chosen from the curves; absent for a plain step. */
  readonly allocations?: readonly AllocationOutcome[];
}

/** One sensitivity analysis (a SensitivityTask): its curves, as sensitivity.json holds them. */
export type SensitivityEntry = { readonly taskId: string } & Pick<TaskBase, 'stage'> & SensitivityResult;

/** The same fields, never null (a homomorphic mapping: each keeps its declaration). */
type NonNullFields<T> = { readonly [K in keyof T]: NonNullable<T[K]> };

/** Multiply-adds per image: with every weight, and with the pruned channels gone. */
export interface MacsEntry {
  readonly dense: number;
  readonly pruned: number;
}

/** The final model's size, in every report. */
export interface SizeEntry {
  readonly parameters: number;
  readonly nonzeros: number;
  /** model.json + weights.bin as TF.js saves them, and the same gzipped. */
  readonly denseBytes: number;
  readonly denseGzippedBytes: number;
  /**
   * Multiply-adds per image (models/macs.ts): with every weight, and with the pruned channels gone
   * (what the compact model computes); null when the model's MACs cannot be told; absent in records
   * written before prune-run counted them.
   */
  readonly macs?: MacsEntry | null;
}

/** What export.onnx wrote: model.onnx's bytes, and model-compact.onnx's when compact export is on. */
export interface OnnxEntry {
  readonly bytes: number;
  readonly compactBytes: number | null;
}

/** What export.sparse wrote: its bytes against the plain TF.js files of the same model. */
export interface SparseEntry {
  readonly bytes: number;
  readonly denseBytes: number;
}

// What an analysis measured and an allocation chose are the engine's own results.
import type { AllocationOutcome } from '../engine/allocation.js';
import type { SensitivityResult } from '../engine/sensitivity/analysis.js';
export type { AllocationOutcome } from '../engine/allocation.js';
export type { SensitivityCurve, SensitivityPoint, SensitivityResult } from '../engine/sensitivity/analysis.js';

// What export.compact produced is the export's own figure (src/export/compactEntry.ts).
import type { CompactEntry } from '../export/compactEntry.js';
export type { CompactEntry, CompactLayerEntry } from '../export/compactEntry.js';

// The limit a gate result holds is the recipe's own (recipe/types.ts Expectation).
import type { Expectation } from '../recipe/types.js';

/**
 * One `expect:` gate checked against the finished run (src/runs/expectations.ts). In record.json,
 * report.md, report.html, the --json summary and manifest.json. `limit`: the recipe's, as it sets it.
 */
export interface ExpectationResult extends Pick<Expectation, 'limit'> {
  /** The expectation's key as written in the recipe, e.g. `final_accuracy_min`. */
  readonly name: string;
  /** The run's value (a fraction, or a parameter count); null when the run did not measure it or it is not a number. */
  readonly actual: number | null;
  readonly passed: boolean;
  /** How far past the limit the value is, in its unit (fractions for accuracy and sparsity); null when passed or not measured. */
  readonly shortfall: number | null;
  /** The outcome in words, with the numbers: "final accuracy 94.10% is below the minimum 95.00% by 0.90 points". */
  readonly message: string;
}

/** Whether the backend promises that a rerun gives the same bits (src/runs/determinism.ts), and why. */
export interface DeterminismEntry {
  readonly promised: boolean;
  readonly why: string;
}

export interface ParameterEntry {
  readonly name: string;
  /** Its torch state-dict name, for a model imported from ONNX (`layer1.0.conv1.weight`). */
  readonly torch?: string;
  readonly shape: readonly number[];
  readonly pruned: boolean;
  readonly figures: SparsityFigures;
  readonly history: readonly Record<string, unknown>[];
}

/** `seed` is the recipe's, under its declaration (find references on ResolvedRecipe.seed reaches every reader). */
export interface RunRecord extends Pick<ResolvedRecipe, 'seed'> {
  readonly runId: string;
  readonly recipeFile: string;
  readonly recipeHash: string;
  readonly backend: string;
  readonly training: TrainingEntry[];
  readonly pruning: PruningEntry[];
  readonly evaluations: EvaluationEntry[];
  /** Sensitivity analyses, in plan order (sensitivity.json); absent in records written before them. */
  sensitivity?: SensitivityEntry[];
  /** Filled when the run exports: every trainable parameter of the model at the end. */
  parameters: ParameterEntry[];
  /** Over the pruned parameters, and over every trainable parameter of the model. */
  globalPruned: SparsityFigures | null;
  globalModel: SparsityFigures | null;
  /**
   * torch's prune.is_pruned(model) at the end: whether any parameter still carries a mask (false
   * when nothing was pruned or every pruning was made permanent by remove). Filled when the run
   * exports; absent before.
   */
  isPruned?: boolean;
  /** Filled when the run exports. */
  size?: SizeEntry;
  /** export.compact's result; absent when the recipe does not ask for it. */
  compact?: CompactEntry;
  /** Tasks a checkpoint stood for instead of running (the stage cache, or the run's own on resume); absent: none. */
  reused?: readonly { readonly taskId: string; readonly from: 'cache' | 'checkpoint' }[];
  /** export.sparse's result; absent when the recipe does not ask for it. */
  sparse?: SparseEntry;
  /** export.onnx's files; absent when the recipe does not ask for them. */
  onnx?: OnnxEntry;
  /** The recipe's `expect:` gates, checked when the report is written; absent when the recipe sets none. */
  expectations?: ExpectationResult[];
  /** Whether a rerun is promised to be identical; set when the report is written. */
  determinism?: DeterminismEntry;
}
