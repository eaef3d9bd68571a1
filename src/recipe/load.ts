/**
 * The recipe step's entry: file → text → parsed YAML → validated → resolved. Problems from every
 * check that can run are gathered and thrown together, sorted by position, so that a user fixes a
 * recipe in one pass instead of one error per run.
 */
import path from 'node:path';
import { RecipeError } from '../errors.js';
import type { DataLocations } from '../data/locate.js';
import { locateBuiltinData } from './builtinData.js';
import { checkMasks } from './masks.js';
import { recipeHash, type RecipeOverride } from './overrides.js';
import { parseRecipe } from './parse.js';
import { sortProblems } from './positions.js';
import { checkDataFiles } from './dataFiles.js';
import { checkFiles } from './files.js';
import { resolveRecipe } from './resolve.js';
import { readRecipeText } from './source.js';
import type { ResolvedRecipe } from './types.js';
import { validateRecipe } from './validate.js';

export interface LoadRecipeOptions {
  /** Seed for a recipe that sets none (from --seed or the project config); default 0. */
  readonly defaultSeed?: number;
  /** Folder a relative recipe path is taken from; default: the process's working directory. */
  readonly cwd?: string;
  /**
   * Values set from the command line (--set path=value), applied in order before validation. With
   * any, the recipe's hash covers the text and the overrides (overrides.ts, recipeHash).
   */
  readonly overrides?: readonly RecipeOverride[];
  /** Where builtin data sets on the machine are looked for (the project config's `datasets`). */
  readonly dataLocations?: DataLocations;
}

/**
 * Reads and resolves the recipe at `file`. Locations in problems name the file as given here
 * (relative stays relative). Throws RecipeError (every problem found) for a bad recipe, one too
 * large or not UTF-8 (source.ts), and UsageError when the file cannot be read at all: there is no
 * line to point at then.
 */
export async function loadRecipe(file: string, options: LoadRecipeOptions = {}): Promise<ResolvedRecipe> {
  const absoluteFile = path.resolve(options.cwd ?? process.cwd(), file);
  return loadRecipeText(await readRecipeText(absoluteFile, file), file, options);
}

/**
 * Resolves recipe text as if read from `file` (which names it in locations and anchors its
 * relative paths; it need not exist). For callers that have the text already (stdin, tests).
 */
export async function loadRecipeText(
  text: string,
  file: string,
  options: LoadRecipeOptions = {},
): Promise<ResolvedRecipe> {
  const absoluteFile = path.resolve(options.cwd ?? process.cwd(), file);
  const overrides = options.overrides ?? [];
  const recipe = parseRecipe(text, file, overrides); // throws on YAML errors: nothing sound to check then
  // Every file the recipe names is checked here, before any run folder exists (files.ts, dataFiles.ts, masks.ts).
  const [files, masks, [builtinData, dataFiles]] = await Promise.all([
    checkFiles(recipe, absoluteFile),
    checkMasks(recipe, absoluteFile),
    locateBuiltinData(recipe, options.dataLocations).then(async (located) => [located, await checkDataFiles(recipe, absoluteFile, located.fashionMnist)] as const),
  ]);
  const problems = [...validateRecipe(recipe), ...files, ...masks.problems, ...builtinData.problems, ...dataFiles];
  if (problems.length > 0) throw new RecipeError(sortProblems(problems));
  const resolved = resolveRecipe(recipe, absoluteFile, { ...options, masks: masks.masks, fashionMnist: builtinData.fashionMnist });
  // The parts are frozen already; only the hash changes, so that a different --set is a different run id.
  return overrides.length === 0 ? resolved : Object.freeze({ ...resolved, hash: recipeHash(text, overrides) });
}
