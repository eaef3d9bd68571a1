/**
 * Everything that can fail because of the recipe happens here, before any run folder exists:
 * parse, validate, resolve, describe the model, compile the plan. Pure with respect to runs/.
 */
import { loadRecipe } from '../recipe/load.js';
import type { ResolvedRecipe } from '../recipe/types.js';
import type { ModelDescription } from '../models/description.js';
import { LENET_DESCRIPTION } from '../models/lenet.js';
import { describeModelJson } from '../models/modelJson.js';
import { buildPlan } from '../plan/build.js';
import type { Plan } from '../plan/types.js';

export interface PreparedRun {
  /** The recipe path as the user gave it (error messages use it). */
  readonly recipePath: string;
  readonly recipe: ResolvedRecipe;
  readonly model: ModelDescription;
  readonly plan: Plan;
}

export async function describeModel(recipe: ResolvedRecipe): Promise<ModelDescription> {
  return recipe.model.kind === 'builtin' ? LENET_DESCRIPTION : describeModelJson(recipe.model.path, recipe.model.at);
}

export interface PrepareOptions {
  /** Seed for a recipe that sets none (from --seed or the project config). */
  readonly defaultSeed?: number;
  /** Folder a relative recipe path is taken from; default: the process's working directory. */
  readonly cwd?: string;
}

export async function prepareRun(recipePath: string, options: PrepareOptions = {}): Promise<PreparedRun> {
  const recipe = await loadRecipe(recipePath, options);
  const model = await describeModel(recipe);
  const plan = buildPlan(recipe, model);
  return { recipePath, recipe, model, plan };
}
