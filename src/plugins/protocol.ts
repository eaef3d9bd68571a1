/** The messages between the main thread and a plugin's thread (host.ts ↔ pluginWorker.ts). */
import type { CustomMethodSpec } from '../methods/index.js';
import type { MethodKind } from '../prune/method.js';
import type { PluginOptions } from '../prune/plugin.js';

/** What the thread is started with; `module`: the spec's, as the recipe names it, for messages. */
export interface PluginWorkerStart extends Pick<CustomMethodSpec, 'module'> {
  /** The module to import: a data: URL of the bytes that were hashed (compiled, for TypeScript). */
  readonly url: string;
  /** The module's real path. */
  readonly file: string;
  /** importGuard.ts's URL, registered as the thread's module loader hook before the plugin is imported. */
  readonly guard: string;
}

/** One computeMask call, as the core method (prune/checked.ts) makes it. */
export interface PluginCallRequest {
  readonly importance: Float32Array;
  readonly defaultMask: Uint8Array;
  readonly shape: readonly number[];
  readonly paramName: string;
  readonly options: PluginOptions;
  /** A structured plugin's TF.js axis; null for the other kinds. */
  readonly axis: number | null;
}

export type ToPluginWorker = { readonly kind: 'call'; readonly id: number; readonly request: PluginCallRequest };

export type FromPluginWorker =
  | { readonly kind: 'loaded'; readonly name: string; readonly pluginKind: MethodKind }
  | { readonly kind: 'refused'; readonly problem: string }
  | { readonly kind: 'mask'; readonly id: number; readonly mask: Uint8Array }
  /** The call failed: a PruneError of the checked method (its code and message), with the plugin's own error's stack when it threw. */
  | { readonly kind: 'failed'; readonly id: number; readonly code: string; readonly message: string; readonly pluginStack: string | null };
