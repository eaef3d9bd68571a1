/**
 * Everything that can fail because of the recipe happens here, before any run folder exists:
 * parse, validate, resolve, describe the model, compile the plan. Pure with respect to runs/.
 */
import { loadRecipe, loadRecipeText } from '../recipe/load.js';
import type { RecipeOverride } from '../recipe/overrides.js';
import type { ResolvedRecipe } from '../recipe/types.js';
import type { DataLocations } from '../data/locate.js';
import type { ModelDescription } from '../models/description.js';
import { describeBuiltinModel } from '../models/builtin.js';
import { checkedModelJson, describeCheckedModelJson } from '../models/modelJson.js';
import { describeOnnx } from '../models/onnx/describe.js';
import { trainingImageCount } from '../data/idxFile.js';
import { buildPlan } from '../plan/build.js';
import { sensitivityPlan } from '../plan/sensitivity.js';
import type { Plan } from '../plan/types.js';
import { loadPlugins } from '../plugins/index.js';
import { RecipeError } from '../errors.js';
import { parseRecipe, type ParsedRecipe } from '../recipe/parse.js';
import { dataFitProblems } from './dataFit.js';
import type { PluginReference } from '../prune/spec.js';

export interface PreparedRun {
  /** The recipe path as the user gave it (error messages use it). */
  readonly recipePath: string;
  readonly recipe: ResolvedRecipe;
  /** The --set values applied to the recipe, in order (recorded in resolved.json and the manifest). */
  readonly overrides: readonly RecipeOverride[];
  readonly model: ModelDescription;
  readonly plan: Plan;
  /** The plugin modules loaded for `method: custom` (file, sha256, name, kind); [] when none. */
  readonly plugins: readonly PluginReference[];
}

export async function describeModel(recipe: ResolvedRecipe): Promise<ModelDescription> {
  switch (recipe.model.kind) {
    case 'builtin':
      return describeBuiltinModel(recipe.model);
    case 'path': {
      const folder = await checkedModelJson(recipe.model);
      const description = describeCheckedModelJson(recipe.model, folder);
      // Described from its files; whether TF.js can build it with those weights is tried here, not when the run loads it.
      // Imported here, not statically: TF.js is loaded only for a model.json recipe, not for every CLI process.
      const { checkModelJsonBuilds } = await import('../engine/modelCheck.js');
      await checkModelJsonBuilds(recipe.model, folder);
      return description;
    }
    case 'onnx':
      return describeOnnx(recipe.model);
  }
}

export interface PrepareOptions {
  /** Seed for a recipe that sets none (from --seed or the project config). */
  readonly defaultSeed?: number;
  /** Folder a relative recipe path is taken from; default: the process's working directory. */
  readonly cwd?: string;
  /**
   * Load the plugin modules the recipe names (`method: custom`). Default false: a recipe is data,
   * and one that names a module is refused (located at `module`) unless its code may run.
   */
  readonly allowPlugins?: boolean;
  /** --set path=value overrides, applied in order before validation. */
  readonly overrides?: readonly RecipeOverride[];
  /** Where builtin data sets on the machine are looked for (the project config's `datasets`). */
  readonly dataLocations?: DataLocations;
}

export async function prepareRun(recipePath: string, options: PrepareOptions = {}): Promise<PreparedRun> {
  return prepareResolved(recipePath, await loadRecipe(recipePath, options), options);
}

/** As prepareRun, from the recipe's text as if read from `recipePath` (a resumed run's recipe.yaml). */
export async function prepareRunFromText(text: string, recipePath: string, options: PrepareOptions = {}): Promise<PreparedRun> {
  return prepareResolved(recipePath, await loadRecipeText(text, recipePath, options), options);
}

async function prepareResolved(recipePath: string, loaded: ResolvedRecipe, options: PrepareOptions): Promise<PreparedRun> {
  // Before planning: the planner checks each plugin's kind (axis, composition) against the model.
  const { recipe, plugins } = await loadPlugins(loaded, { allow: options.allowPlugins ?? false });
  const model = await describeModel(recipe);
  // The recipe's positions are found again only to place a problem (the loaded recipe keeps none for data).
  let parsed: ParsedRecipe | null = null;
  const locate = (keys: readonly string[]) => (parsed ??= parseRecipe(recipe.text, recipePath, options.overrides ?? [])).positions.valueAt(keys);
  const misfits = await dataFitProblems(recipe, model, locate);
  if (misfits.length > 0) throw new RecipeError(misfits);
  // Only an idx split without a size needs its file read; the planner asks for the count then.
  const counts = recipe.data === null ? undefined : { train: await trainingImageCount(recipe.data) };
  const plan = buildPlan(recipe, model, counts);
  return { recipePath, recipe, overrides: options.overrides ?? [], model, plan, plugins };
}

/** The run of `prune-run sensitivity`: the recipe's training and an analysis at `amounts` (plan/sensitivity.ts). */
export function withSensitivityPlan(prepared: PreparedRun, amounts: readonly number[]): PreparedRun {
  return { ...prepared, plan: sensitivityPlan(prepared.plan, prepared.recipe, prepared.model, amounts) };
}
