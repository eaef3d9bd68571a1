/**
 * Pruning methods written by the user (torch's BasePruningMethod subclass): the shape of what a
 * plugin module exports. checked.ts turns one into a core PruningMethod. The core loads no
 * modules (src/plugins/ does); it is handed the plugin's object.
 */
import { METHOD_KINDS, type MethodKind } from './method.js';

/** What a recipe's `options:` can hold: plain JSON. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type PluginOptions = { readonly [key: string]: JsonValue };

/** What the plugin is told about the tensor beside the scores. */
export interface PluginTensor {
  /**
   * The shape of what `importance` covers, row-major, TF.js layout. Kind 'unstructured': the
   * parameter's shape while nothing of it is pruned, else the still-unpruned entries as one vector
   * ([count]), as torch's first call and its container's; 'structured': the parameter with only
   * its channels not yet entirely pruned; 'global': the whole parameter.
   */
  readonly shape: readonly number[];
  /** 'structured' only: the TF.js axis holding the channels (from the recipe's axis/dim); else null. */
  readonly axis: number | null;
  /** The parameter's name, e.g. 'fc2/kernel', for the plugin's own messages. */
  readonly parameter: string;
}

/**
 * A custom pruning method, as a plugin module's default export:
 *
 *   import type { PruningPlugin } from 'prune-run';
 *   const plugin: PruningPlugin = { name: 'every_other', kind: 'unstructured', computeMask(importance, mask) { ... } };
 *   export default plugin;
 *
 * `kind` is torch's PRUNING_TYPE: 'unstructured' gets the still-unpruned entries as a flat vector
 * (so amounts count over them), 'structured' the channels not yet entirely pruned, 'global' the
 * whole tensor with its current mask. computeMask returns a NEW Uint8Array of the same length as
 * `defaultMask`, 1 = kept, that keeps nothing `defaultMask` pruned.
 */
export interface PruningPlugin {
  readonly name: string;
  readonly kind: MethodKind;
  computeMask(importance: Float32Array, defaultMask: Uint8Array, options: PluginOptions, tensor: PluginTensor): Uint8Array;
}

/** Where a plugin came from, for error messages and history. */
export interface PluginSource {
  /** The module's path (absolute). */
  readonly file: string;
}

/** Why `value` is not a PruningPlugin, or null when it is one. */
export function pluginProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return `its default export is ${value === null ? 'null' : typeof value}, not an object`;
  const candidate = value as Partial<Record<keyof PruningPlugin, unknown>>;
  const missing: string[] = [];
  if (typeof candidate.name !== 'string' || candidate.name === '') missing.push('name (a non-empty string)');
  if (!(METHOD_KINDS as readonly unknown[]).includes(candidate.kind)) {
    missing.push(`kind (one of ${METHOD_KINDS.join(', ')}${candidate.kind === undefined ? '' : `; got ${JSON.stringify(candidate.kind)}`})`);
  }
  if (typeof candidate.computeMask !== 'function') missing.push('computeMask (a function)');
  return missing.length === 0 ? null : `its default export lacks a valid ${missing.join(', ')}`;
}
