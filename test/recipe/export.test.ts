/** The recipe's `export:` block: compact export, its default, and located errors for bad values. */
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { buildPlan } from '../../src/plan/build.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';

const BASE = 'model: {builtin: lenet}\nstages:\n  - name: a\n    targets:\n      - {select: {layer: conv1, param: kernel}, method: ln_structured, n: 2, axis: out, amount: 0.5}\n';

async function problems(text: string): Promise<string[]> {
  const error = await loadRecipeText(text, 'recipes/export.yaml').then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecipeError);
  return (error as RecipeError).problems.map((p) => `${p.at.line}:${p.at.col} ${p.message}`);
}

describe('export', () => {
  it('is off unless asked for, and reaches the plan', async () => {
    const plain = await loadRecipeText(BASE, 'recipes/export.yaml');
    expect(plain.export).toEqual({ compact: false, sparse: false, compactAt: null });
    const compact = await loadRecipeText(`${BASE}export:\n  compact: true\n`, 'recipes/export.yaml');
    expect(compact.export).toMatchObject({ compact: true, sparse: false, compactAt: { line: expect.any(Number) } });
    const plan = buildPlan(compact, LENET_DESCRIPTION);
    expect(plan.tasks.find((t) => t.kind === 'export')).toMatchObject({ compact: true, saveModel: true });
  });

  it('reports a wrong value and an unknown key where they are written', async () => {
    expect(await problems(`${BASE}export:\n  compact: yes please\n`)).toEqual(["7:12 export.compact must be true or false, got \"yes please\""]);
    expect(await problems(`${BASE}export:\n  gzip: true\n`)).toEqual([expect.stringMatching(/^7:3 .*gzip/)]);
  });
});
