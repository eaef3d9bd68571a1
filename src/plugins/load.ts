/**
 * Loading the plugin modules a recipe names (`method: custom`), before planning, since the planner
 * needs each plugin's kind. A recipe is data and a module is code, so nothing is imported unless
 * the user allows it (--allow-plugins, allowPlugins: true in the project config, or prepareRun's
 * allowPlugins), and then only from inside the recipe's own directory tree, and only a module whose
 * imports are all Node built-ins (importRules.ts). Its code runs in a thread of its own (host.ts),
 * never on the main thread. Every refusal is a RecipeError located at the `module` value, raised
 * before any run folder exists.
 */
import { RecipeError, type RecipeProblem } from '../errors.js';
import type { CustomMethodSpec } from '../methods/index.js';
import type { PluginReference } from '../prune/spec.js';
import type { ResolvedRecipe } from '../recipe/types.js';
import { sha256Hex } from '../util/sha256.js';
import { PluginHost } from './host.js';
import { moduleCode } from './importModule.js';
import { rememberPlugin } from './loaded.js';
import { fileRefusalMessage, FileRefusedError, readRegularFile } from '../util/regularFile.js';
import { MAX_PLUGIN_BYTES, placeModule } from './place.js';
import { bindPlugins, pluginUses } from './uses.js';

export interface PluginPermission {
  /** The user allowed loading plugin modules. */
  readonly allow: boolean;
}

export interface LoadedPlugins {
  /** The recipe with every custom spec's plugin bound (the same object when it names none). */
  readonly recipe: ResolvedRecipe;
  /** One per module, in recipe order. */
  readonly plugins: readonly PluginReference[];
}

const NEEDS_PERMISSION =
  'is code, and a recipe is data: prune-run loads a plugin module only when you allow it. ' +
  'Run with --allow-plugins, or set allowPlugins: true in the project config (library: prepareRun(file, { allowPlugins: true }))';

async function loadOne(spec: Pick<CustomMethodSpec, 'module'>, recipeFile: string): Promise<{ reference: PluginReference } | { problem: string }> {
  const placed = await placeModule(spec, recipeFile);
  if (!placed.ok) return { problem: placed.problem };
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(placed.file, MAX_PLUGIN_BYTES); // checked by placeModule; checked again as read
  } catch (error) {
    if (error instanceof FileRefusedError) return { problem: fileRefusalMessage('plugin module', spec.module, error.refusal) };
    throw error;
  }
  const sha256 = sha256Hex(bytes);
  const code = await moduleCode(placed.file, placed.extension, bytes, sha256, spec);
  if (!code.ok) return { problem: code.problem };
  const hosted = await PluginHost.load({ url: code.url, file: placed.file, module: spec.module });
  if (!hosted.ok) return { problem: hosted.problem };
  const { host } = hosted;
  const reference: PluginReference = { file: placed.file, sha256, name: host.name, kind: host.kind };
  rememberPlugin(reference, host);
  return { reference };
}

/** Loads and checks each module the recipe names, or throws a RecipeError with every problem. */
export async function loadPlugins(recipe: ResolvedRecipe, permission: PluginPermission): Promise<LoadedPlugins> {
  const uses = pluginUses(recipe);
  if (uses.length === 0) return { recipe, plugins: [] };
  if (!permission.allow) {
    throw new RecipeError(uses.map((use) => ({ at: use.at, message: `plugin module "${use.spec.module}" ${NEEDS_PERMISSION}` })));
  }
  const problems: RecipeProblem[] = [];
  const references = new Map<string, PluginReference>();
  // One load per module as written; every use of a module that fails is reported at its place.
  const outcomes = new Map<string, Awaited<ReturnType<typeof loadOne>>>();
  for (const use of uses) {
    let outcome = outcomes.get(use.spec.module);
    if (outcome === undefined) {
      outcome = await loadOne(use.spec, recipe.file);
      outcomes.set(use.spec.module, outcome);
    }
    if ('problem' in outcome) problems.push({ at: use.at, message: outcome.problem });
    else references.set(use.spec.module, outcome.reference);
  }
  if (problems.length > 0) throw new RecipeError(problems);
  const plugins = [...new Map([...references.values()].map((r) => [`${r.file}\0${r.sha256}`, r])).values()];
  return { recipe: bindPlugins(recipe, references), plugins };
}
