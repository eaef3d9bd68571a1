/**
 * Every point of a sweep checked against its recipe before any runs, as each point's run will check
 * it (schema, files, plan): a value the recipe refuses is reported at the line and column of the
 * sweep file where it is written, with the point it makes, so a bad sweep fails at once, starts no
 * process and writes nothing.
 */
import { formatLocation, isBadInput, RecipeError, UsageError, type RecipeProblem } from '../errors.js';
import { sortProblems } from '../recipe/positions.js';
import { RecipeOverride } from '../recipe/overrides.js';
import { prepareRun, type PrepareOptions } from '../runner/prepare.js';
import { setArgument, type Sweep, type SweepPoint } from './spec.js';

/** A point's problems, moved from its --set arguments to where the sweep file says them. */
function relocate(sweep: Sweep, point: SweepPoint, problems: readonly RecipeProblem[]): RecipeProblem[] {
  return problems.map((problem) => {
    const override = point.overrides.find((o) => problem.at.file === `--set ${setArgument(o)}`);
    if (override === undefined) return problem; // the recipe's own: the same for every point
    return { at: sweep.parsed.positions.valueAt(override.source), message: `point ${point.id} (${setArgument(override)}): ${problem.message}` };
  });
}

/** Checks every point; throws one error listing each problem of every point (bad input: exit 2). */
export async function checkPoints(sweep: Sweep, recipe: string, options: PrepareOptions): Promise<void> {
  const problems: RecipeProblem[] = [];
  const others: string[] = [];
  for (const point of sweep.points) {
    try {
      const overrides = point.overrides.map((o) => RecipeOverride.parse(setArgument(o)));
      await prepareRun(recipe, { ...options, overrides });
    } catch (error) {
      if (error instanceof RecipeError) problems.push(...relocate(sweep, point, error.problems));
      else if (isBadInput(error)) others.push(`${sweep.file}: point ${point.id}: ${(error as Error).message}`);
      else throw error;
    }
  }
  if (problems.length === 0 && others.length === 0) return;
  // Each problem once: every point of a grid repeats a problem of the recipe itself.
  const unique = [...new Map(problems.map((p) => [`${formatLocation(p.at)}: ${p.message}`, p])).values()];
  if (others.length === 0) throw new RecipeError(sortProblems(unique));
  throw new UsageError([...unique.map((p) => `${formatLocation(p.at)}: ${p.message}`), ...new Set(others)].join('\n'));
}
