/**
 * The module loader hook of a plugin's thread (registered with module.register by
 * pluginWorker.ts): every import made by plugin code — static, dynamic, from `eval` or
 * `new Function` — is resolved here, and one that importRules.ts does not allow fails. Plugin code
 * is the only code of that thread loaded from a `data:` URL (the worker's own modules are files,
 * loaded before the hook is registered), so an import whose parent is a `data:` URL is plugin code;
 * the one `data:` import the worker itself makes is the plugin module, which it names in
 * `initialize`.
 */
import { importProblem } from './importRules.js';

interface ResolveContext {
  readonly parentURL?: string | undefined;
}

type NextResolve = (specifier: string, context: ResolveContext) => Promise<unknown>;

/** The error a refused import fails with; pluginWorker.ts recognises its code. */
export const REFUSED_IMPORT = 'ERR_PRUNE_RUN_PLUGIN_IMPORT';

/** The plugin module's own URL, which the worker imports (and nothing else may). */
let pluginUrl: string | null = null;

export function initialize(data: { readonly pluginUrl: string }): void {
  pluginUrl = data.pluginUrl;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<unknown> {
  const parent = context.parentURL;
  const fromPlugin = parent === undefined || parent.startsWith('data:');
  if (fromPlugin || specifier.startsWith('data:')) {
    const problem = specifier === pluginUrl && !fromPlugin ? null : importProblem(specifier.startsWith('data:') ? 'data: URL' : specifier);
    if (problem !== null) {
      const error = new Error(`plugin code imports ${specifier.startsWith('data:') ? 'a data: URL' : `"${specifier}"`} while running: ${problem}`);
      (error as Error & { code: string }).code = REFUSED_IMPORT;
      throw error;
    }
  }
  return nextResolve(specifier, context);
}
