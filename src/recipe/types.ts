/**
 * The resolved recipe: what a recipe means after parsing, schema validation and defaults.
 * Plain, frozen data. Paths are absolute. Every user-written item that a later step may still
 * reject (a selector that matches nothing, say) keeps the SourceLocation it came from, so that
 * the later error can point into the recipe file.
 */
import type { DataSource } from '../data/types.js';
import type { GroupMeasure } from '../models/groupPruning.js';
import type { BuiltinModel } from '../models/builtin.js';
import type { ModelFile } from '../models/description.js';
import type { SourceLocation } from '../errors.js';
import type { GlobalMethodSpec, MethodSpec } from '../methods/index.js';
import type { GlobalOptions } from '../prune/global.js';
import type { GroupTarget } from '../prune/groupTarget.js';
import type { MaskReference } from '../prune/spec.js';
import type { ScheduleSpec } from '../schedules/index.js';

/**
 * The amounts a sensitivity analysis prunes at when none are given (`prune-run sensitivity`,
 * `allocate: sensitivity`): Distiller's 0.1 steps, and 0.95 where the curves of large layers bend.
 */
export const DEFAULT_SENSITIVITY_AMOUNTS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

export type OptimizerName = 'sgd' | 'adam';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'adam'];

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** A built-in model (name and options, see models/builtin.ts), or a TF.js model.json or ONNX file (models/description.ts). */
export type ModelSource = ({ readonly kind: 'builtin' } & BuiltinModel) | ModelFile;

export interface TrainConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
}

/**
 * Picks parameters of the model. Each given field must match; absent fields match anything.
 * `layerType` is the TF.js class name in snake case (Conv2D → conv2d, Dense → dense).
 * `layer` and `param` are globs (`*`, `?`) over the layer name and the parameter name
 * (the part of the TF.js weight name after the layer: kernel, bias, gamma, ...).
 */
export interface Selector {
  readonly layerType: readonly string[] | null;
  readonly layer: string | null;
  readonly param: string | null;
  readonly at: SourceLocation;
}

/**
 * What importance_scores names to rank the entries by: another parameter's current values
 * (`{param: conv2/kernel}`, a full TF.js weight name), or a tensor of a safetensors file
 * (`{file, tensor, layout}`) as the load step checked it (masks.ts). `at`: where it is written.
 */
export type ImportanceReference =
  | { readonly param: string; readonly at: SourceLocation }
  | { readonly tensor: MaskReference; readonly at: SourceLocation };

/** One entry of a global step's importance_scores mapping: the selected parameter and its scores. */
export interface GlobalImportance {
  /** The full TF.js weight name the mapping's key gives. */
  readonly parameter: string;
  /** Where the key is written. */
  readonly keyAt: SourceLocation;
  readonly scores: ImportanceReference;
}

/** A step's schedule, where the recipe writes it (its problems are found against the real step counts). */
export interface LocatedSchedule {
  readonly spec: ScheduleSpec;
  readonly at: SourceLocation;
}

export interface LocalTarget {
  readonly select: Selector;
  /** With a schedule, the amount is the schedule's final sparsity, reached step by step. */
  readonly method: MethodSpec;
  /** Pruning during the stage's training instead of at once; null: at once. */
  readonly schedule?: LocatedSchedule | null;
  /** Scores that rank the entries instead of the weights themselves; null: the weights (torch's default). */
  readonly importance: ImportanceReference | null;
  readonly at: SourceLocation;
  /**
   * Where the method's options are written, by recipe key (`axis` for axis or dim; a field's
   * `locate` part, e.g. mask.tensor), for the problems only the model can reveal (a bias has no
   * channels, a mask of the wrong shape); a key not written is absent.
   */
  readonly optionsAt: Readonly<Record<string, SourceLocation>>;
}

export type PruningStep =
  | { readonly scope: 'local'; readonly targets: readonly LocalTarget[] }
  | ({
      readonly scope: 'global';
      readonly select: readonly Selector[];
      readonly method: GlobalMethodSpec;
      /** `allocate: sensitivity`: per-parameter amounts from sensitivity curves measured at `amounts` (ascending); null: one threshold. */
      readonly allocate?: { readonly amounts: readonly number[]; readonly at: SourceLocation } | null;
      /** torch's importance_scores={(module, name): scores}; a parameter without an entry ranks by its weights. */
      readonly importance: readonly GlobalImportance[];
      /** Pruning during the stage's training instead of at once (the amount is its final); null: at once. */
      readonly schedule?: LocatedSchedule | null;
      readonly at: SourceLocation;
    } & Required<GlobalOptions>); // maxSparsityPerLayer: the layer-collapse guard (l1 only); null: none, as torch

export interface Stage {
  readonly name: string;
  /**
   * Start from a fresh model: rebuilt from the recipe's model source (its initial weights, before
   * any training), with every mask and history dropped.
   */
  readonly fresh: boolean;
  /** The stage's pruning; a stage that only removes has a local step with no targets. */
  readonly prune: PruningStep;
  /** After pruning, make pruning permanent on these parameters (torch's prune.remove); may be empty. */
  readonly remove: readonly Selector[];
  /** Fine-tuning after this stage's pruning; null when the stage has none. */
  readonly finetune: TrainConfig | null;
  /** Filter pruning to a target (then `prune` is a local step with no targets); null: none. */
  readonly filters: FilterStep | null;
  /** Prune–fine-tune cycles (1: once). */
  readonly repeat: number;
  /** Lottery-ticket rewinding after each pruning; null: none. */
  readonly rewind: LocatedRewind | null;
  readonly at: SourceLocation;
}

/**
 * Structured pruning to a target: whole channel groups lose channels, least important per unit of
 * cost first, until the removed channels take away `target.fraction` of the model's `target.measure`.
 * `fraction` and `minChannels` are the core's (prune/groupTarget.ts), declared where they act.
 */
export interface FilterStep extends Pick<GroupTarget, 'minChannels'> {
  readonly select: readonly Selector[];
  readonly target: Pick<GroupTarget, 'fraction'> & { readonly measure: GroupMeasure; readonly at: SourceLocation };
  readonly at: SourceLocation;
}

/** Where surviving weights are reset to: the initial weights, or those after an epoch of `train`. */
export type RewindPoint = { readonly kind: 'init' } | { readonly kind: 'epoch'; readonly epoch: number };

export interface LocatedRewind {
  readonly point: RewindPoint;
  readonly at: SourceLocation;
}

export interface ReportConfig {
  /** Evaluate on the test split before pruning, after each pruning step and after fine-tuning. */
  readonly evaluate: boolean;
  /** Write the pruned model (masks applied) as a TF.js LayersModel under model/. */
  readonly saveModel: boolean;
}

export interface ExportConfig {
  /** Also write model-compact/: the model rebuilt without its dead output channels. */
  readonly compact: boolean;
  /** Fold batch norms and activation layers into the layers they read, in model-compact/ (export/compact/foldLayers.ts); absent: off. */
  readonly foldBatchNorm?: true;
  /** Also write model-sparse/: bitmask + nonzero values per weight, restored by sparseModelFromDir. */
  readonly sparse: boolean;
  /** Also write model.onnx (and model-compact.onnx with `compact`): the model as an ONNX graph laid out as torch exports it. */
  readonly onnx: boolean;
  /** Where `onnx` is written, for the planner's refusal of a layer ONNX export has no conversion for. */
  readonly onnxAt?: SourceLocation | null;
  /** Where `compact` is written, for the refusals the planner can make from the model (a merge layer). */
  readonly compactAt?: SourceLocation | null;
}

/**
 * The `expect:` gates a run is checked against after it finishes (src/runs/expectations.ts).
 * Accuracies and sparsities are fractions in [0, 1]; compact_parameters_max is a count.
 */
export type ExpectationName =
  | 'final_accuracy_min'
  | 'accuracy_drop_max'
  | 'global_sparsity_min'
  | 'global_sparsity_max'
  | 'model_sparsity_min'
  | 'compact_parameters_max';
/** The order the resolver keeps a recipe's gates in, however the file orders them (the schema's `expect` has the same keys). */
export const EXPECTATION_NAMES: readonly ExpectationName[] = [
  'final_accuracy_min',
  'accuracy_drop_max',
  'global_sparsity_min',
  'global_sparsity_max',
  'model_sparsity_min',
  'compact_parameters_max',
];

export interface Expectation {
  readonly name: ExpectationName;
  /** The limit the recipe sets: a fraction for accuracies and sparsities (a difference for the drop), a count for compact_parameters_max. */
  readonly limit: number;
  /** Where the limit is written. */
  readonly at: SourceLocation;
}

export interface ResolvedRecipe {
  /** Absolute path of the recipe file, and its text exactly as read. */
  readonly file: string;
  readonly text: string;
  /** sha256 of the text, hex. */
  readonly hash: string;
  readonly seed: number;
  readonly model: ModelSource;
  readonly data: DataSource | null;
  /** null when the recipe does not train before pruning (absent or 0 epochs). */
  readonly train: TrainConfig | null;
  readonly stages: readonly Stage[];
  readonly report: ReportConfig;
  readonly export: ExportConfig;
  /** The `expect:` gates, in EXPECTATION_NAMES order; [] when the recipe sets none. */
  readonly expect: readonly Expectation[];
}
