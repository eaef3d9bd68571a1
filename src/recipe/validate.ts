/**
 * Checks a parsed recipe: the JSON Schema (shared with editors) through ajv, each error explained
 * in a located sentence (explain.ts), then the rules a schema cannot say (rules.ts).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { RecipeProblem } from '../errors.js';
import { explainSchemaErrors } from './explain.js';
import { displayPath, pointerSegments } from './naming.js';
import type { ParsedRecipe } from './parse.js';
import { ruleProblems } from './rules.js';

/**
 * The schema on disk, the single source for ajv and for editors. `schemas/` is two levels above
 * this module both as src/recipe/validate.ts (vitest) and as dist/recipe/validate.js (built).
 */
export const RECIPE_SCHEMA_URL = new URL('../../schemas/recipe.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

/** Compiled once, on first use, so that importing this module does no I/O. */
function schemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(RECIPE_SCHEMA_URL, 'utf8')) as Record<string, unknown>;
    // verbose: errors carry the failing value and schema, which the messages below quote.
    // allowUnionTypes: layer_type is `type: [string, array]`, which avoids anyOf error noise.
    // strictRequired is off: "exactly one of" branches require keys that their parent defines.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Every problem of the recipe's content (not its files), unsorted. */
export function validateRecipe(recipe: ParsedRecipe): RecipeProblem[] {
  const validate = schemaValidator();
  let schemaProblems: RecipeProblem[] = [];
  if (!validate(recipe.value)) {
    const errors = validate.errors ?? [];
    schemaProblems = explainSchemaErrors(errors, recipe);
    // Never let a recipe the schema rejects through because no sentence was found for its error.
    const first = errors[0];
    if (schemaProblems.length === 0 && first !== undefined) {
      const path = pointerSegments(first.instancePath);
      schemaProblems = [{ at: recipe.positions.valueAt(path), message: `${displayPath(recipe.value, path) || 'the recipe'} ${first.message ?? 'is invalid'}` }];
    }
  }
  return [...schemaProblems, ...ruleProblems(recipe)];
}
