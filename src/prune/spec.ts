/**
 * Pruning methods as plain data: what a recipe or a plan says to apply. JSON-serialisable (no
 * functions, no Infinity: norm orders ±∞ are the strings 'inf' / '-inf', as torch spells them), so
 * a plan can be printed and saved; registry.ts turns a spec into a PruningMethod once the tensor
 * it applies to is known.
 */
import type { Amount } from './amount.js';
import type { MethodKind } from './method.js';
import type { PluginOptions } from './plugin.js';
import type { NmPattern } from './semiStructured.js';

/** Every method a spec can name, as a runtime list so that error messages can enumerate it. */
export const METHOD_SPEC_NAMES = [
  'identity',
  'l1_unstructured',
  'random_unstructured',
  'ln_structured',
  'random_structured',
  'custom_from_mask',
  'semi_structured',
  'custom',
] as const;
export type MethodSpecName = (typeof METHOD_SPEC_NAMES)[number];

/** The methods global pruning accepts: it ranks single entries across tensors, so unstructured only. */
export const GLOBAL_METHOD_NAMES = ['l1_unstructured', 'random_unstructured'] as const;
export type GlobalMethodName = (typeof GLOBAL_METHOD_NAMES)[number];

/** Channels named by meaning: out = output channels (filters, units), in = input channels. */
export const CHANNEL_MEANINGS = ['out', 'in'] as const;
export type ChannelMeaning = (typeof CHANNEL_MEANINGS)[number];

/**
 * Which channels a structured method prunes: by meaning, or by torch's `dim` in torch's layout
 * (Conv2d weight [out, in, kh, kw], Linear weight [out, in]). Either needs the weight's layout to
 * become a TF.js axis (see axis.ts).
 */
export type AxisSpec =
  | { readonly kind: 'meaning'; readonly value: ChannelMeaning }
  | { readonly kind: 'torch_dim'; readonly dim: number };

/** torch.norm's `p` given by name. */
export const NAMED_NORMS = ['inf', '-inf', 'fro', 'nuc'] as const;
export type NamedNorm = (typeof NAMED_NORMS)[number];
/** ln_structured's norm order: a number > 0 or a named norm (see norm.ts for which torch accepts). */
export type NormSpec = number | NamedNorm;

/** How a custom mask is laid out where it is read from: TF.js layout, or torch's (mapped by layout.ts). */
export const MASK_LAYOUTS = ['tfjs', 'torch'] as const;
export type MaskLayout = (typeof MASK_LAYOUTS)[number];

/**
 * Where custom_from_mask's mask comes from: one tensor of a safetensors file. Plain data that
 * names the mask, not the mask: whoever builds the method reads the tensor (the engine) and hands
 * its 0/1 values, in TF.js layout, to the registry (MethodContext.mask). `shape` is the tensor's
 * shape as stored and `sha256` the file's hash when it was checked, so that a file changed between
 * the check and the run is noticed instead of applied.
 */
export interface MaskReference {
  /** Absolute path of the safetensors file. */
  readonly file: string;
  /** Name of the tensor in it, e.g. 'conv1/kernel'. */
  readonly tensor: string;
  readonly layout: MaskLayout;
  readonly shape: readonly number[];
  readonly sha256: string;
}

/**
 * A plugin module as loaded (src/plugins/): which file, its content hash and what it declared.
 * Plain data naming the code, not the code: the engine finds the loaded computeMask by file and
 * hash, after checking the file still has that hash.
 */
export interface PluginReference {
  /** Real (symlink-free) absolute path of the module. */
  readonly file: string;
  readonly sha256: string;
  /** The plugin's own `name` and `kind`. */
  readonly name: string;
  readonly kind: MethodKind;
}

/**
 * `method: custom`: the module the recipe names, the plugin once loaded (null
 * until prepareRun's loader binds it: a recipe is data and names code without running it), the
 * recipe's `options:` handed to computeMask, and a structured plugin's channels.
 */
export interface CustomMethodSpec {
  readonly method: 'custom';
  /** The module as the recipe writes it, relative to the recipe's folder. */
  readonly module: string;
  readonly plugin: PluginReference | null;
  readonly options: PluginOptions;
  readonly axis?: AxisSpec;
}

export type MethodSpec =
  | { readonly method: 'identity' }
  | { readonly method: 'custom_from_mask'; readonly mask: MaskReference }
  | { readonly method: 'l1_unstructured'; readonly amount: Amount }
  | { readonly method: 'random_unstructured'; readonly amount: Amount }
  | { readonly method: 'ln_structured'; readonly amount: Amount; readonly n: NormSpec; readonly axis: AxisSpec }
  | { readonly method: 'random_structured'; readonly amount: Amount; readonly axis: AxisSpec }
  | { readonly method: 'semi_structured'; readonly pattern: NmPattern }
  | CustomMethodSpec;

export type GlobalMethodSpec = Extract<MethodSpec, { readonly method: GlobalMethodName }>;
export type StructuredMethodSpec = Extract<MethodSpec, { readonly axis: AxisSpec }>;

/** ln_structured and random_structured (a custom plugin's axis is its own business). */
export function isStructuredSpec(spec: MethodSpec): spec is StructuredMethodSpec {
  return spec.method === 'ln_structured' || spec.method === 'random_structured';
}

/** The amount of a spec; null for identity, which prunes nothing. */
export function amountOfSpec(spec: MethodSpec): Amount | null {
  return 'amount' in spec ? spec.amount : null;
}

/** Random methods draw from a seeded stream and ignore importance scores (as torch's). */
export function isRandomSpec(spec: MethodSpec): boolean {
  return spec.method === 'random_unstructured' || spec.method === 'random_structured';
}

/** How the axis was written in the recipe: `axis: out` or `dim: 0`. */
export function formatAxisSpec(axis: AxisSpec): string {
  return axis.kind === 'meaning' ? `axis: ${axis.value}` : `dim: ${String(axis.dim)}`;
}
