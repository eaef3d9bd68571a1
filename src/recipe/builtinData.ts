/**
 * Finding the files of a builtin data set that lives on the machine (data: {builtin:
 * fashion-mnist}) while the recipe is loaded, so that a missing data set is a recipe problem at
 * data.builtin, reported with the others before any run folder exists.
 */
import type { RecipeProblem } from '../errors.js';
import { locateFashionMnist, type DataLocations, type FoundFiles } from '../data/locate.js';
import type { ParsedRecipe } from './parse.js';
import { getPath } from './positions.js';

export interface BuiltinDataCheck {
  readonly problems: RecipeProblem[];
  /** The files found; null when the recipe names no such data set or they are missing. */
  readonly fashionMnist: FoundFiles | null;
}

/** Reads the raw value defensively, so that it can run alongside validation. */
export async function locateBuiltinData(recipe: ParsedRecipe, locations: DataLocations = {}): Promise<BuiltinDataCheck> {
  const where = ['data', 'builtin'];
  if (getPath(recipe.value, where) !== 'fashion-mnist') return { problems: [], fashionMnist: null };
  const location = await locateFashionMnist(locations);
  if (location.found) return { problems: [], fashionMnist: location.files };
  return { problems: [{ at: recipe.positions.valueAt(where), message: location.advice }], fashionMnist: null };
}
