/**
 * The plain-data pieces of method specs that the core itself reads: channels by meaning or torch
 * dim, norm orders by name, where a custom mask comes from, which plugin a method runs.
 * JSON-serialisable (no functions, no Infinity: norm orders ±∞ are the strings 'inf' / '-inf', as
 * torch spells them). The specs themselves are the method descriptors' (src/methods/).
 */
import type { MethodKind } from './method.js';

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
 * its 0/1 values, in TF.js layout, to the method's descriptor (MethodContext.mask). `shape` is the tensor's
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
