/**
 * A pruning method's descriptor: everything prune-run knows about one method in one place — its
 * recipe fields and their hints, how the recipe form becomes the core's plain-data spec, how the
 * plan checks and describes it, how the core method is built, and how the TS API spells it. The
 * validator, resolver, planner, engine and API iterate the list of descriptors (index.ts) instead
 * of switching on method names (SparseML's modifiers hold their fields and checks the same way).
 *
 * This layer sits above the pruning core (prune/, which knows no recipes) and below recipe/ and
 * plan/; it imports no TF.js at runtime (the API option types only name tensors).
 */
import type * as tf from '@tensorflow/tfjs';
import type { RecipeProblem, SourceLocation } from '../errors.js';
import type { ParameterDescription } from '../models/description.js';
import type { Amount } from '../prune/amount.js';
import type { WeightLayout } from '../prune/layout.js';
import type { PruningMethod } from '../prune/method.js';
import type { PruningPlugin } from '../prune/plugin.js';
import type { AxisSpec, ChannelMeaning, MaskReference, PluginReference } from '../prune/spec.js';

/** The part every spec shares: the recipe's `method:` value. */
export interface SpecBase {
  readonly method: string;
}

/** A method-specific recipe key (the shared amount/count/schedule, axis/dim and importance_scores are traits). */
export interface MethodField {
  readonly key: string;
  readonly required: boolean;
  /** What it is for, in a few words (said when it is given to a method that does not take it). */
  readonly purpose: string;
  /** How to write it, said when a required key is missing. */
  readonly hint?: string;
  /** Where later checks point inside the key's value (mask → its tensor); [] is the value itself. */
  readonly locate: readonly string[];
  /** A text value's schema pattern, and the rule it states in words (regexes read badly in messages). */
  readonly textPattern?: { readonly source: string; readonly rule: string };
}

/** What a method takes of the keys several methods share. */
export interface MethodTraits {
  /** What amount and count count (and what a schedule raises), or null: the method takes none of them. */
  readonly amount: 'entries' | 'channels' | null;
  /** axis or dim: required (structured methods), optional (plugins say), or not taken. */
  readonly axis: 'required' | 'optional' | null;
  /** Draws from a seeded stream (and ignores importance scores, as torch's random methods). */
  readonly seeded: boolean;
  /** Ranks by scores, so importance_scores may replace the weights. */
  readonly importance: boolean;
}

/** A global step's use of the method (only unstructured methods rank single entries across parameters). */
export interface GlobalUse {
  /** The TS API's name in globalUnstructured({method}), torch's prune.L1Unstructured → 'l1'. */
  readonly apiName: string;
  /** Whether max_sparsity_per_layer (the layer-collapse guard, a magnitude ranking's) applies. */
  readonly capped: boolean;
}

/** A target's recipe fields as the schema accepted them (snake_case keys). */
export type TargetFields = Readonly<Record<string, unknown>>;

/** What the resolver has already worked out from the shared keys. */
export interface ResolveContext {
  /** From amount, count or (its final) schedule; { count: 0 } when the method takes none. */
  readonly amount: Amount;
  /** From axis or dim; null when neither is written. */
  readonly axis: AxisSpec | null;
  /** custom_from_mask: its mask as the file check read it. */
  readonly mask: MaskReference | undefined;
}

/**
 * What ranks the entries: the pruned parameter's own weights (torch's default), or (torch's
 * importance_scores) the current values of another parameter of the same shape, or a tensor of a
 * safetensors file. A torch-layout tensor carries what maps it to TF.js layout: the parameter's
 * weight layout and, for a dense kernel after a flatten, the feature map it reorders by.
 */
export type ImportanceSource =
  | { readonly kind: 'weights' }
  | { readonly kind: 'parameter'; readonly name: string }
  | {
      readonly kind: 'tensor';
      readonly tensor: MaskReference;
      readonly layout: WeightLayout | null;
      readonly flattenedFrom?: readonly [number, number, number];
    };

/** What the planner worked out for one parameter a local target prunes. */
export interface PlannedPrune {
  /** The weight's layout (conv2d or dense kernel), null for any other parameter. */
  readonly layout: WeightLayout | null;
  /** The TF.js axis a structured method prunes along (from axis/dim and the layout); null otherwise. */
  readonly axis: number | null;
  /** Pruned earlier in the plan (and not since removed or made fresh): the new mask composes with it. */
  readonly composes: boolean;
  /**
   * A torch-layout mask on a dense kernel that reads a flatten: the [h, w, c] map flattened, whose
   * (c, h, w) order in torch the mask's columns follow (prune/torchLayout.ts). Absent otherwise.
   */
  readonly flattenedFrom?: readonly [number, number, number];
}

/**
 * How a dense kernel's input rows line up with torch's columns: as they are (`rows`, any other
 * parameter too), reordered from a flatten of a known [h, w, c] map (`flattened`), or not knowable
 * (`unknown`: it reads the flatten layer named, in a model without a torch counterpart that says
 * how its torch twin flattens).
 */
export type TorchRows =
  | { readonly kind: 'rows' }
  | { readonly kind: 'flattened'; readonly from: readonly [number, number, number] }
  | { readonly kind: 'unknown'; readonly flatten: string };

/** The plan-time check of one parameter a local target selects. */
export interface PlanContext {
  readonly parameter: ParameterDescription;
  readonly layout: WeightLayout | null;
  readonly composes: boolean;
  /** How the parameter's rows map to torch's layout (torch-layout masks need it). */
  readonly torchRows: TorchRows;
  /** Where the target is written. */
  readonly targetAt: SourceLocation;
  /** Where the recipe writes `key` (its `locate` part; axis: axis or dim), else the target itself. */
  at(key: string): SourceLocation;
  /** Where a problem is added; the plan is refused when any is. */
  readonly problems: RecipeProblem[];
}

/** What the dry-run listing knows of one parameter when it says what a local step does to it. */
export interface OutcomeContext {
  readonly planned: PlannedPrune;
  readonly shape: readonly number[];
  readonly size: number;
  readonly importance: ImportanceSource;
}

/** What building the core method may need to know about the tensor it prunes. */
export interface MethodContext {
  /** Seed of the stream a random method draws from; other methods ignore it. */
  readonly seed: number;
  /** The parameter's weight layout; a structured method needs it to place its axis. null: unknown. */
  readonly layout: WeightLayout | null;
  /** The parameter's TF.js shape ([total] for a global pool). */
  readonly shape: readonly number[];
  /** Names the parameter in error messages. */
  readonly paramName?: string;
  /** custom_from_mask: its mask's 0/1 values in TF.js layout (the caller reads files; the core reads none). */
  readonly mask?: Uint8Array;
  /** custom: the plugin its PluginReference names, already loaded by the caller (the core imports nothing). */
  readonly plugin?: PruningPlugin;
}

/** Scores that rank entries instead of the weights (torch's importance_scores), TF.js layout. */
export type Importance = Float32Array | tf.Tensor;
/** A mask of 0 (pruned) and 1 (kept), in the parameter's TF.js layout. */
export type MaskInput = Uint8Array | tf.Tensor;

/**
 * How much to prune in a TS API call: a fraction of the entries (or channels) `{ amount: 0.3 }` or
 * a number of them `{ count: 3 }`, never both (torch tells them apart by Python type; JavaScript
 * has one number).
 */
export type AmountOptions =
  | { readonly amount: number; readonly count?: undefined }
  | { readonly count: number; readonly amount?: undefined };

/** Which channels, exactly one way: by meaning, or torch's dim in torch's layout. */
export type AxisOptions =
  | { readonly axis: ChannelMeaning; readonly dim?: undefined }
  | { readonly dim: number; readonly axis?: undefined };

export interface ImportanceOption {
  /** Rank entries by these scores instead of the weights (torch's importance_scores). */
  readonly importance?: Importance | undefined;
}

export interface SeedOption {
  /** Random methods are always seeded: the same seed on the same state prunes the same entries. */
  readonly seed: number;
}

/** The TS API's view of one call, with the readers of the options every method shares. */
export interface ApiCall {
  /** 'l1_unstructured of 'conv1/kernel' [3, 3, 1, 6]': how errors name the call. */
  readonly context: string;
  readonly layout: WeightLayout | null;
  readonly shape: readonly number[];
  readonly name: string;
  /** A fraction (a plain number too) or a count; throws the API's error when neither or both. */
  amount(options: number | AmountOptions): Amount;
  /** axis or dim, on a kernel whose layout is known. */
  axis(options: AxisOptions): AxisSpec;
  seed(options: { readonly seed?: unknown }): number;
  mask(input: MaskInput): Uint8Array;
  /** The kernel's layout; the API's PRUNE_LAYOUT_UNKNOWN, "<context>: <need>", when there is none. */
  layoutNeeded(need: string): WeightLayout;
  /** What the descriptor's create needs to know about this tensor. */
  methodContext(seed: number): MethodContext;
}

/** The TS API function of a method: prune.<name>(layer, param, options). */
export interface ApiEntry<A extends string, O> {
  readonly name: A;
  /** The method the call applies; importance (when the method ranks by it) is read by the API layer. */
  build(options: O, call: ApiCall): PruningMethod;
}

/** One pruning method, described once. S: its spec; A and O: its TS API name and options. */
export interface MethodDescriptor<S extends SpecBase = SpecBase, A extends string = string, O = never> {
  /** The recipe's `method:` value (torch's function name). */
  readonly name: S['method'];
  /** What it does, in the words the schema's `method` description uses for it (a test holds the two together). */
  readonly summary: string;
  readonly traits: MethodTraits;
  readonly fields: readonly MethodField[];
  /** Allowed in a global step; null: local only. */
  readonly global: GlobalUse | null;
  /** Why a global step cannot take it, when the usual reason (it does not rank single entries) is not the one. */
  readonly globalRefusal?: string;
  /** The spec a schema-valid target describes. */
  resolve(fields: TargetFields, context: ResolveContext): S;
  /**
   * A rule the schema cannot say about the target's own fields: the key it concerns and the
   * message (`nameOf` spells a key's place as the recipe writes it); null when it holds.
   */
  fieldProblem?(fields: TargetFields, nameOf: (key: string) => string): { readonly key: string; readonly message: string } | null;
  /** "ln_structured 50% (n=2, axis: out)". */
  describe(spec: S): string;
  /** Checks one selected parameter against the spec (problems into context.problems). */
  plan(spec: S, context: PlanContext): PlannedPrune;
  /** What a local step does to one parameter, in words (dry-run). */
  outcome(spec: S, context: OutcomeContext): string;
  /** The core method for one tensor. Throws the core's PruneError for anything invalid. */
  create(spec: S, context: MethodContext): PruningMethod;
  /** The TS API function; null: recipe only. */
  readonly api: ApiEntry<A, O> | null;
  /** The plugin it runs (custom): the engine hands the loaded plugin to create. */
  pluginOf?(spec: S): PluginReference | null;
  /** The mask file it multiplies in (custom_from_mask): the engine reads it and hands its values to create. */
  maskOf?(spec: S): MaskReference;
}
