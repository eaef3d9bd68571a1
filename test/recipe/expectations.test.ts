/** The recipe's `expect:` gates: resolved with their locations, and located errors before anything runs. */
import { describe, expect, it } from 'vitest';
import { loadRecipeText } from '../../src/recipe/load.js';
import { RecipeOverride } from '../../src/recipe/overrides.js';
import { recipeProblems } from '../helpers/problems.js';

// Line 1 model, 2 data, 3-5 the stage; expect: starts on line 6 when appended.
const BASE =
  'model: {builtin: lenet}\n' +
  'data: {builtin: mnist, train_size: 100, test_size: 50}\n' +
  'stages:\n' +
  '  - name: a\n' +
  '    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n';
const NO_DATA =
  'model: {builtin: lenet}\n' + 'stages:\n' + '  - name: a\n' + '    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n';

const FILE = 'recipes/gates.yaml';

async function problems(text: string): Promise<string[]> {
  return recipeProblems(() => loadRecipeText(text, FILE), { withFile: true });
}

describe('expect: in a recipe', () => {
  it('is empty when the recipe sets no gates', async () => {
    expect((await loadRecipeText(BASE, FILE)).expect).toEqual([]);
  });

  it('resolves every gate with its limit and where the limit is written, in a fixed order', async () => {
    const recipe = await loadRecipeText(
      `${BASE}export: {compact: true}\nexpect:\n  global_sparsity_min: 0.4\n  final_accuracy_min: 0.9\n  accuracy_drop_max: 0.005\n` +
        '  global_sparsity_max: 0.6\n  model_sparsity_min: 0.3\n  compact_parameters_max: 50000\n',
      FILE,
    );
    expect(recipe.expect.map((e) => [e.name, e.limit, e.at.line, e.at.col])).toEqual([
      ['final_accuracy_min', 0.9, 9, 23],
      ['accuracy_drop_max', 0.005, 10, 22],
      ['global_sparsity_min', 0.4, 8, 24],
      ['global_sparsity_max', 0.6, 11, 24],
      ['model_sparsity_min', 0.3, 12, 23],
      ['compact_parameters_max', 50000, 13, 27],
    ]);
    expect(recipe.expect[0]?.at.file).toBe(FILE);
  });

  it('refuses an unknown gate, suggesting the closest name, at the key', async () => {
    expect(await problems(`${BASE}expect:\n  final_acuracy_min: 0.9\n`)).toEqual([
      `${FILE}:7:3 unknown key "final_acuracy_min" in expect (did you mean "final_accuracy_min"?)`,
    ]);
  });

  it('refuses a percentage where a fraction belongs, saying how to write it', async () => {
    expect(await problems(`${BASE}expect:\n  final_accuracy_min: 95\n`)).toEqual([
      `${FILE}:7:23 expect.final_accuracy_min must be a fraction in [0, 1], got 95 (a fraction: for 95%, write 0.95)`,
    ]);
  });

  it('refuses a negative or fractional parameter count and an empty expect', async () => {
    expect(await problems(`${BASE}export: {compact: true}\nexpect:\n  compact_parameters_max: 12.5\n`)).toEqual([
      `${FILE}:8:27 expect.compact_parameters_max must be an integer ≥ 0, got 12.5`,
    ]);
    expect(await problems(`${BASE}expect: {}\n`)).toEqual([expect.stringMatching(/^recipes\/gates\.yaml:6:9 expect must give at least one of final_accuracy_min, /)]);
  });

  it('refuses accuracy gates when the run will not evaluate, at each gate, saying why and what to do', async () => {
    expect(await problems(`${BASE}report: {evaluate: false}\nexpect:\n  final_accuracy_min: 0.9\n  accuracy_drop_max: 0.01\n  global_sparsity_min: 0.4\n`)).toEqual([
      `${FILE}:8:23 expect.final_accuracy_min needs the test accuracy, but the run will not evaluate (report.evaluate is false); set report.evaluate: true, or drop the expectation`,
      `${FILE}:9:22 expect.accuracy_drop_max needs the test accuracy, but the run will not evaluate (report.evaluate is false); set report.evaluate: true, or drop the expectation`,
    ]);
    expect(await problems(`${NO_DATA}expect: {final_accuracy_min: 0.9}\n`)).toEqual([
      `${FILE}:5:30 expect.final_accuracy_min needs the test accuracy, but the run will not evaluate (the recipe has no data section); add data (e.g. data: {builtin: mnist}), or drop the expectation`,
    ]);
  });

  it('accepts sparsity gates without data: they need no evaluation', async () => {
    const recipe = await loadRecipeText(`${NO_DATA}expect: {global_sparsity_min: 0.5, model_sparsity_min: 0.1}\n`, FILE);
    expect(recipe.expect.map((e) => e.name)).toEqual(['global_sparsity_min', 'model_sparsity_min']);
  });

  it('refuses compact_parameters_max without export.compact', async () => {
    expect(await problems(`${BASE}expect: {compact_parameters_max: 1000}\n`)).toEqual([
      `${FILE}:6:34 expect.compact_parameters_max needs the compact model, but the recipe does not export one; set export: {compact: true}, or drop the expectation`,
    ]);
  });

  it('refuses a sparsity maximum below the minimum', async () => {
    expect(await problems(`${BASE}expect: {global_sparsity_min: 0.8, global_sparsity_max: 0.6}\n`)).toEqual([
      `${FILE}:6:57 expect.global_sparsity_max (0.6) is below expect.global_sparsity_min (0.8): no run can pass both`,
    ]);
  });

  it('takes a gate from --set like any recipe value', async () => {
    const recipe = await loadRecipeText(BASE, FILE, { overrides: [RecipeOverride.parse('expect.final_accuracy_min=0.75')] });
    expect(recipe.expect.map((e) => [e.name, e.limit])).toEqual([['final_accuracy_min', 0.75]]);
  });
});
