/**
 * The recipe spelling of N:M sparsity (`method: semi_structured`, `pattern: "2:4"`), and its
 * mistakes located at what the user wrote; plus `method: custom`'s keys.
 */
import { describe, expect, it } from 'vitest';
import { loadRecipeText } from '../../src/recipe/load.js';
import type { LocalTarget } from '../../src/recipe/types.js';
import { recipeProblems } from '../helpers/problems.js';

const HEAD = 'model: {builtin: lenet}\nstages:\n  - name: a\n    targets:\n';
const target = (fields: string) => `${HEAD}      - {select: {layer: fc1, param: kernel}, ${fields}}\n`;

async function problems(text: string): Promise<string[]> {
  return recipeProblems(() => loadRecipeText(text, 'recipes/nm.yaml'));
}

async function firstTarget(text: string): Promise<LocalTarget> {
  const recipe = await loadRecipeText(text, 'recipes/nm.yaml');
  const step = recipe.stages[0]!.prune;
  if (step.scope !== 'local') throw new Error('expected targets');
  return step.targets[0]!;
}

describe('semi_structured in a recipe', () => {
  it('reads pattern "2:4", quoted or not (YAML 1.2 reads 2:4 as text), into {n, m}', async () => {
    for (const written of ['"2:4"', '2:4', "' 2 : 4 '"]) {
      const t = await firstTarget(`${HEAD}      - select: {layer: fc1, param: kernel}\n        method: semi_structured\n        pattern: ${written}\n`);
      expect(t.method).toEqual({ method: 'semi_structured', pattern: { n: 2, m: 4 } });
      expect(t.optionsAt.pattern).toEqual({ file: 'recipes/nm.yaml', line: 7, col: 18 });
    }
  });

  it('refuses N ≥ M, N = 0 and M > 64 at the pattern, saying the rule', async () => {
    expect(await problems(target('method: semi_structured, pattern: "4:2"'))).toEqual([
      '5:81 stages[0].targets[0].pattern: 4:2 must keep N of every M with 1 ≤ N < M ≤ 64 (whole numbers; "2:4" keeps 2 of every 4)',
    ]);
    expect(await problems(target('method: semi_structured, pattern: "0:4"'))).toHaveLength(1);
    expect(await problems(target('method: semi_structured, pattern: "2:128"'))).toHaveLength(1);
  });

  it('refuses a pattern that is not N:M, a missing pattern and keys of other methods', async () => {
    expect(await problems(target('method: semi_structured, pattern: "2 of 4"'))).toEqual([
      '5:81 stages[0].targets[0].pattern must be N:M, keep N of every M, e.g. "2:4", got "2 of 4"',
    ]);
    expect(await problems(target('method: semi_structured, pattern: 24'))).toEqual([
      '5:81 stages[0].targets[0].pattern must be a string, got 24',
    ]);
    expect(await problems(target('method: semi_structured'))).toEqual([
      '5:9 stages[0].targets[0] is missing the required key "pattern" (semi_structured keeps N of every M consecutive inputs: pattern: "2:4")',
    ]);
    const [amount] = await problems(target('method: semi_structured, pattern: "2:4", amount: 0.5'));
    expect(amount).toMatch(/^5:\d+ stages\[0\]\.targets\[0\]\.amount does not apply to method "semi_structured"/);
    const [pattern] = await problems(target('method: l1_unstructured, amount: 0.5, pattern: "2:4"'));
    expect(pattern).toMatch(/pattern does not apply to method "l1_unstructured": pattern is for semi_structured only/);
  });

  it('is refused in a global step, pointing at targets', async () => {
    const text = 'model: {builtin: lenet}\nstages:\n  - name: a\n    global: {method: semi_structured, amount: 0.5, select: [{param: kernel}]}\n';
    const [problem] = await problems(text);
    expect(problem).toMatch(/^4:22 stages\[0\]\.global\.method must be one of .*use targets for this method\)$/);
  });
});

describe('custom in a recipe', () => {
  it('keeps the module as written, its options and an axis, with the plugin still unbound', async () => {
    const t = await firstTarget(target('method: custom, module: plugins/m.ts, options: {every: 3}, axis: out'));
    expect(t.method).toEqual({ method: 'custom', module: 'plugins/m.ts', plugin: null, options: { every: 3 }, axis: { kind: 'meaning', value: 'out' } });
    expect(t.optionsAt.module?.line).toBe(5);
  });

  it('needs module, and takes no amount; a plugin in a global step is refused with a way out', async () => {
    expect(await problems(target('method: custom'))).toEqual([
      '5:9 stages[0].targets[0] is missing the required key "module" (custom runs the method a module of yours exports: module: plugins/my-method.ts, relative to the recipe)',
    ]);
    const [amount] = await problems(target('method: custom, module: m.js, amount: 0.5'));
    expect(amount).toMatch(/amount does not apply to method "custom"/);
    const [module] = await problems(target('method: l1_unstructured, amount: 0.5, module: m.js'));
    expect(module).toMatch(/module does not apply to method "l1_unstructured": module is for custom only/);
    const text = 'model: {builtin: lenet}\nstages:\n  - name: a\n    global: {method: custom, module: m.js, select: [{param: kernel}]}\n';
    expect((await problems(text)).join('\n')).toMatch(/4:22 .*a plugin in a global step is not supported yet; prune each parameter on its own with targets/);
  });
});
