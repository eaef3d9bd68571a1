/**
 * What a run did, accumulated task by task: the material for report.md and the summary. Plain
 * data (no tensors), so reports can be rendered and tested without TF.js.
 */

export interface SparsityFigures {
  readonly count: number;
  readonly zeros: number;
  readonly sparsity: number;
}

export interface EvaluationEntry {
  readonly taskId: string;
  readonly stage: string | null;
  readonly point: 'before-pruning' | 'pruned' | 'finetuned';
  readonly loss: number;
  readonly accuracy: number;
  readonly count: number;
}

export interface TrainingEntry {
  readonly taskId: string;
  readonly stage: string | null;
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

export interface PruningEntry {
  readonly taskId: string;
  readonly stage: string;
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
}

/** One Conv2D or Dense layer of a compact export. */
export interface CompactLayerEntry {
  readonly name: string;
  readonly className: string;
  readonly channelsBefore: number;
  readonly channelsAfter: number;
}

/** The final model's size, in every report. */
export interface SizeEntry {
  readonly parameters: number;
  readonly nonzeros: number;
  /** model.json + weights.bin as TF.js saves them, and the same gzipped. */
  readonly denseBytes: number;
  readonly denseGzippedBytes: number;
}

/** What export.sparse wrote: its bytes against the plain TF.js files of the same model. */
export interface SparseEntry {
  readonly bytes: number;
  readonly denseBytes: number;
}

/** What export.compact produced, measured in the run. */
export interface CompactEntry {
  readonly layers: readonly CompactLayerEntry[];
  readonly parametersBefore: number;
  readonly parametersAfter: number;
  /** On-disk bytes (model.json + weights.bin) of the pruned dense model, the same gzipped, and the compact model. */
  readonly bytes: { readonly dense: number; readonly denseGzipped: number; readonly compact: number };
  /** On the test split, when the run has data: accuracy and inference images/s of both models, and the largest logit difference. */
  readonly comparison: {
    readonly images: number;
    readonly maskedAccuracy: number;
    readonly compactAccuracy: number;
    readonly maskedImagesPerSecond: number;
    readonly compactImagesPerSecond: number;
    readonly maxLogitDifference: number;
  } | null;
}

export interface ParameterEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly pruned: boolean;
  readonly figures: SparsityFigures;
  readonly history: readonly Record<string, unknown>[];
}

export interface RunRecord {
  readonly runId: string;
  readonly recipeFile: string;
  readonly recipeHash: string;
  readonly seed: number;
  readonly backend: string;
  readonly training: TrainingEntry[];
  readonly pruning: PruningEntry[];
  readonly evaluations: EvaluationEntry[];
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
  /** export.sparse's result; absent when the recipe does not ask for it. */
  sparse?: SparseEntry;
}
