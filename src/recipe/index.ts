/** The recipe step's public surface: load a recipe file into a frozen ResolvedRecipe. */
export { loadRecipe, loadRecipeText } from './load.js';
export { matchGlob } from './glob.js';
export { RECIPE_SCHEMA_URL } from './validate.js';
export { DEFAULTS as RECIPE_DEFAULTS } from './resolve.js';
export type * from './types.js';
export { BACKEND_NAMES, OPTIMIZER_NAMES } from './types.js';
