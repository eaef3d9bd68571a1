/**
 * Where a plugin module may come from: only inside the recipe's own directory tree, compared by
 * real paths, so neither `../` nor a symlink can reach a module elsewhere on the machine.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { CustomMethodSpec } from '../methods/index.js';
import { fileRefusalMessage, FileRefusedError, openRegularFile } from '../util/regularFile.js';

/** The extensions prune-run can import: ES modules in JavaScript, and TypeScript compiled in memory. */
export const PLUGIN_EXTENSIONS = ['.js', '.mjs', '.ts'] as const;
export type PluginExtension = (typeof PLUGIN_EXTENSIONS)[number];

/** A plugin is one file of code (its helpers in it too): 1 MiB is far more than any needs. */
export const MAX_PLUGIN_BYTES = 1024 * 1024;

export type PlacedModule =
  | { readonly ok: true; readonly file: string; readonly extension: PluginExtension }
  | { readonly ok: false; readonly problem: string };

/** The spec's module (relative to the recipe's folder) as a real path inside that folder's tree. */
export async function placeModule(spec: Pick<CustomMethodSpec, 'module'>, recipeFile: string): Promise<PlacedModule> {
  const dir = path.dirname(recipeFile);
  const asked = path.resolve(dir, spec.module);
  let real: string;
  let realDir: string;
  try {
    realDir = await realpath(dir);
    real = await realpath(asked);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problem:
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `plugin module not found: "${spec.module}" (looked for ${asked}; relative paths start at the recipe's folder)`
          : `cannot read plugin module "${spec.module}": ${code ?? String(error)}`,
    };
  }
  const inside = path.relative(realDir, real);
  if (inside === '' || inside.startsWith(`..${path.sep}`) || inside === '..' || path.isAbsolute(inside)) {
    return {
      ok: false,
      problem:
        `plugin module "${spec.module}" is ${real}, outside the recipe's folder ${realDir}` +
        `${real !== asked ? ` (through a symlink: ${asked})` : ''}; prune-run loads plugins only from inside ` +
        "the recipe's own directory tree: copy the module there",
    };
  }
  try {
    const { handle } = await openRegularFile(real, MAX_PLUGIN_BYTES);
    await handle.close();
  } catch (error) {
    if (error instanceof FileRefusedError) return { ok: false, problem: fileRefusalMessage('plugin module', spec.module, error.refusal) };
    throw error;
  }
  const extension = PLUGIN_EXTENSIONS.find((e) => real.endsWith(e));
  if (extension === undefined) {
    return { ok: false, problem: `plugin module "${spec.module}" must be JavaScript (.js, .mjs, an ES module) or TypeScript (.ts)` };
  }
  return { ok: true, file: real, extension };
}
