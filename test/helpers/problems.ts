/**
 * The problems of a recipe that `work` refuses, as `line:col message` (with `withFile`,
 * `file:line:col message`), for tests that pin what a user reads. Fails the test when `work`
 * succeeds or throws anything but a RecipeError.
 */
import { expect } from 'vitest';
import { RecipeError } from '../../src/errors.js';

export async function recipeProblems(work: () => unknown, options: { withFile?: boolean } = {}): Promise<string[]> {
  let error: unknown = null;
  try {
    await work();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RecipeError);
  return (error as RecipeError).problems.map((p) => `${options.withFile === true ? `${p.at.file}:` : ''}${p.at.line}:${p.at.col} ${p.message}`);
}
