/**
 * The project's error types. Every error a user can cause carries a stable `code` so that
 * scripts and tests can tell problems apart without matching message text.
 *
 * Exit statuses (see cli/exitStatus.ts): bad input (RecipeError, UsageError) → 2, a run that failed → 3
 * (1 is a finished run whose expect: gates failed; 130 an interrupted one).
 */

/** A position in a recipe file, 1-based like editors show it. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export function formatLocation(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.col}`;
}

export class PruneRunError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a recipe, with where it is. */
export interface RecipeProblem {
  readonly at: SourceLocation;
  readonly message: string;
}

/**
 * A recipe is wrong: YAML syntax, schema, a reference to something that does not exist (a layer,
 * a file). Holds every problem found, not only the first, so a user fixes them in one pass.
 */
export class RecipeError extends PruneRunError {
  readonly problems: readonly RecipeProblem[];
  constructor(problems: readonly RecipeProblem[]) {
    if (problems.length === 0) throw new Error('RecipeError needs at least one problem');
    super('RECIPE_INVALID', problems.map((p) => `${formatLocation(p.at)}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

/** Bad command-line usage or project configuration (also a bad-input error: exit status 2). */
export class UsageError extends PruneRunError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The recipe is valid but cannot be turned into a plan (e.g. contradictory stages). */
export class PlanError extends PruneRunError {}

/** Pruning arguments are invalid (amount out of range, shape mismatch, ...). */
export class PruneError extends PruneRunError {}

/** The engine (TensorFlow.js) failed or was asked for something it refuses to do. */
export class EngineError extends PruneRunError {}

/** Reading a data set failed (a malformed IDX file, a missing package). */
export class DataError extends PruneRunError {}

/** Whether an error is the user's input (exit status 2) rather than a run failure (exit 3). */
export function isBadInput(error: unknown): boolean {
  return error instanceof RecipeError || error instanceof UsageError;
}
