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
    expect(plain.export).toEqual({ compact: false, sparse: false, onnx: false, onnxAt: null, compactAt: null });
    const compact = await loadRecipeText(`${BASE}export:\n  compact: true\n`, 'recipes/export.yaml');
    expect(compact.export).toMatchObject({ compact: true, sparse: false, compactAt: { line: expect.any(Number) } });
    const plan = buildPlan(compact, LENET_DESCRIPTION);
    expect(plan.tasks.find((t) => t.kind === 'export')).toMatchObject({ compact: true, saveModel: true });
  });

  it('reports a wrong value and an unknown key where they are written', async () => {
    expect(await problems(`${BASE}export:\n  compact: yes please\n`)).toEqual(["7:12 export.compact must be true or false, got \"yes please\""]);
    expect(await problems(`${BASE}export:\n  gzip: true\n`)).toEqual([expect.stringMatching(/^7:3 .*gzip/)]);
  });

  it('onnx reaches the plan, and a layer ONNX export cannot write is refused at export.onnx before anything runs', async () => {
    const recipe = await loadRecipeText(`${BASE}export:\n  onnx: true\n`, 'recipes/export.yaml');
    expect(recipe.export).toMatchObject({ onnx: true, onnxAt: { line: 7, col: 9 } });
    expect(buildPlan(recipe, LENET_DESCRIPTION).tasks.find((t) => t.kind === 'export')).toMatchObject({ onnx: true, compact: false });
    const leaky = { name: 'leaky', type: 'leaky_re_lu', className: 'LeakyReLU', params: [] };
    const model = { ...LENET_DESCRIPTION, source: 'model.json', layers: [...LENET_DESCRIPTION.layers.slice(0, 1), leaky, ...LENET_DESCRIPTION.layers.slice(1)] };
    const error = (() => {
      try {
        buildPlan(recipe, model);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(RecipeError);
    expect((error as RecipeError).problems.map((p) => `${p.at.file}:${p.at.line}:${p.at.col} ${p.message}`)).toEqual([
      expect.stringMatching(/^recipes\/export\.yaml:7:9 export\.onnx: layer 'leaky': ONNX export has no conversion for LeakyReLU layers \(it converts Conv2D, /),
    ]);
    // Without export.onnx the same model plans.
    expect(() => buildPlan({ ...recipe, export: { ...recipe.export, onnx: false } }, model)).not.toThrow();
  });
});
