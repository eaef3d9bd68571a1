/**
 * The rules the schema cannot say about a recipe's `expect:` gates (resolve.ts turns them into
 * located Expectations) — a gate on something the run will not measure (accuracy without
 * evaluation, compact figures without export.compact), and contradictory limits. Those are recipe
 * errors found before anything runs, not gates that fail after a whole run.
 */
import type { RecipeProblem } from '../errors.js';
import { getPath, isRecord, type SourcePositions } from './positions.js';
import { resolveReport } from './resolve.js';
import type { ExpectationName } from './types.js';

const ACCURACY_GATES: readonly ExpectationName[] = ['final_accuracy_min', 'accuracy_drop_max'];
const COMPACT_GATES: readonly ExpectationName[] = ['compact_parameters_max'];

/**
 * Problems of the gates against the rest of the recipe. Reads the raw value defensively: it runs
 * beside the schema check, which reports malformed values itself.
 */
export function expectationProblems(value: unknown, positions: SourcePositions): RecipeProblem[] {
  const expect = getPath(value, ['expect']);
  if (!isRecord(value) || !isRecord(expect)) return [];
  const problems: RecipeProblem[] = [];
  const given = (name: ExpectationName) => typeof expect[name] === 'number';
  const at = (name: ExpectationName) => positions.valueAt(['expect', name]);

  const evaluate = getPath(value, ['report', 'evaluate']);
  // The resolver's own rule for the default (evaluate when there is data), so the two cannot disagree.
  const evaluates = resolveReport({ evaluate: typeof evaluate === 'boolean' ? evaluate : undefined }, 'data' in value).evaluate;
  if (!evaluates) {
    const why = typeof evaluate === 'boolean' ? 'report.evaluate is false' : 'the recipe has no data section';
    const fix = typeof evaluate === 'boolean' ? 'set report.evaluate: true' : 'add data (e.g. data: {builtin: mnist})';
    for (const name of ACCURACY_GATES.filter(given)) {
      problems.push({ at: at(name), message: `expect.${name} needs the test accuracy, but the run will not evaluate (${why}); ${fix}, or drop the expectation` });
    }
  }
  if (getPath(value, ['export', 'compact']) !== true) {
    for (const name of COMPACT_GATES.filter(given)) {
      problems.push({
        at: at(name),
        message: `expect.${name} needs the compact model, but the recipe does not export one; set export: {compact: true}, or drop the expectation`,
      });
    }
  }
  const min = expect['global_sparsity_min'];
  const max = expect['global_sparsity_max'];
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    problems.push({
      at: at('global_sparsity_max'),
      message: `expect.global_sparsity_max (${max}) is below expect.global_sparsity_min (${min}): no run can pass both`,
    });
  }
  return problems;
}
