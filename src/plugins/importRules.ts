/**
 * What a plugin module may import: Node's built-in modules, nothing else. A plugin runs from
 * exactly the bytes that were hashed (the hash is in the plan, the stage cache key and the
 * manifest); an import of a file — relative, absolute, a `file:` URL, a package — would run code
 * outside that hash, and possibly outside the recipe's folder. Built-ins whose purpose is to load or
 * start other code from files are refused for the same reason.
 *
 * One rule, used twice: by the static check of the module's source before it is run
 * (importCheck.ts, which can say the line and column), and by the module loader hook of the thread
 * that runs it (importGuard.ts), which also catches what no reading of the source can see
 * (`eval`, `new Function`).
 */
import { isBuiltin } from 'node:module';

/** Built-ins that load or start code from files: createRequire and hooks, worker threads, child processes. */
const CODE_LOADERS = ['module', 'worker_threads', 'child_process', 'cluster'] as const;

/** What a plugin can import, for messages. */
export const ALLOWED_IMPORTS = "only Node's built-in modules (node:fs, node:path, node:crypto, …)";

/**
 * Why a plugin may not import `specifier` (null: an `import()` whose specifier is computed, which
 * cannot be checked before it runs); null when it may.
 */
export function importProblem(specifier: string | null): string | null {
  if (specifier === null) {
    return `import() with a computed specifier cannot be checked before it runs; name the module in a string, e.g. import('node:fs')`;
  }
  const name = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  if (isBuiltin(specifier)) {
    if ((CODE_LOADERS as readonly string[]).includes(name.split('/')[0]!)) {
      return `"${specifier}" loads or starts code from other files, which would run outside the plugin's hash`;
    }
    return null;
  }
  return `"${specifier}" is not a Node built-in: a plugin is one file, run from the bytes that were hashed, so it can import ${ALLOWED_IMPORTS}; put its helpers in the same file`;
}
