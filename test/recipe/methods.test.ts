/**
 * Located problems for the method fields of issue 3 (identity, ln_structured, random_structured,
 * n, axis / dim, importance_scores) and the stage fields fresh / remove: each at its line and
 * column, with the offending value and what to write instead. Checks the schema and the recipe
 * step only; what needs the model (layouts, shapes) is in test/plan/methods.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { GLOBAL_METHOD_NAMES, METHOD_NAMES } from '../../src/methods/index.js';
import { CHANNEL_MEANINGS, NAMED_NORMS } from '../../src/prune/spec.js';
import { RECIPE_SCHEMA_URL } from '../../src/recipe/validate.js';

const HEAD = 'model: {builtin: lenet}\nstages:\n  - name: a\n    targets:\n';
const AXIS_OR_DIM = "axis names the channels by meaning, out or in; dim is torch's dimension in torch's layout, 0 = out, 1 = in";

async function problems(text: string): Promise<string[]> {
  const error = await loadRecipeText(text, 'recipes/methods.yaml').then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecipeError);
  return (error as RecipeError).problems.map((p) => `${p.at.line}:${p.at.col} ${p.message}`);
}

/** A recipe whose only stage has one target, written as a flow mapping on line 5. */
const target = (fields: string) => `${HEAD}      - {select: {param: kernel}, ${fields}}\n`;

describe('the schema', () => {
  it('lists the same method names, norms and axis meanings as the TS side', () => {
    const defs = (JSON.parse(readFileSync(RECIPE_SCHEMA_URL, 'utf8')) as { $defs: Record<string, Record<string, unknown>> }).$defs;
    expect(defs['method']?.['enum']).toEqual(METHOD_NAMES);
    expect(defs['globalMethod']?.['enum']).toEqual(GLOBAL_METHOD_NAMES);
    expect(defs['channelMeaning']?.['enum']).toEqual(CHANNEL_MEANINGS);
    expect((defs['normOrder']?.['anyOf'] as Record<string, unknown>[])[1]?.['enum']).toEqual(NAMED_NORMS);
  });
});

describe('structured methods', () => {
  it('require n for ln_structured, with what n means', async () => {
    expect(await problems(target('method: ln_structured, amount: 0.5, axis: out'))).toEqual([
      '5:9 stages[0].targets[0] is missing the required key "n" ' +
        '(ln_structured ranks channels by their Ln norm: n: 2 for L2, 1 for L1, inf, -inf or fro)',
    ]);
  });

  it('take exactly one of axis and dim', async () => {
    expect(await problems(target('method: ln_structured, amount: 0.5, n: 2, axis: out, dim: 0'))).toEqual([
      `5:88 stages[0].targets[0] has both "axis" and "dim"; give only one (${AXIS_OR_DIM})`,
    ]);
    expect(await problems(target('method: random_structured, amount: 0.5'))).toEqual([
      `5:9 stages[0].targets[0] needs one of "axis" or "dim" (${AXIS_OR_DIM})`,
    ]);
  });

  it('check the values of n, axis and dim', async () => {
    expect(await problems(target('method: ln_structured, amount: 0.5, n: 0, axis: in'))).toEqual([
      '5:74 stages[0].targets[0].n must be a number > 0, or one of inf, -inf, fro, nuc, got 0',
    ]);
    expect(await problems(target('method: ln_structured, amount: 0.5, n: .inf, axis: middle'))).toEqual([
      '5:74 stages[0].targets[0].n must be a number > 0, or one of inf, -inf, fro, nuc, got Infinity (write n: inf)',
      '5:86 stages[0].targets[0].axis must be one of out, in, got "middle"',
    ]);
    expect(await problems(target('method: ln_structured, amount: 0.5, n: euclid, dim: 0.5'))).toEqual([
      '5:74 stages[0].targets[0].n must be a number > 0, or one of inf, -inf, fro, nuc, got "euclid"',
      '5:87 stages[0].targets[0].dim must be an integer, got 0.5',
    ]);
  });

  it('count channels: amount: 3 suggests count: 3 as for every method', async () => {
    expect(await problems(target('method: ln_structured, amount: 3, n: 1, dim: 0'))).toEqual([
      '5:66 stages[0].targets[0].amount must be a fraction in [0, 1], got 3 (to prune 3 entries, write count: 3)',
    ]);
  });
});

describe('keys a method does not take', () => {
  it('are reported at the key, saying which methods take them', async () => {
    expect(await problems(target('method: l1_unstructured, amount: 0.5, n: 2, axis: out'))).toEqual([
      '5:73 stages[0].targets[0].n does not apply to method "l1_unstructured": n is for ln_structured only (its norm order)',
      '5:79 stages[0].targets[0].axis does not apply to method "l1_unstructured": ' +
        'axis is for the methods that prune channels (ln_structured, random_structured and custom)',
    ]);
    expect(await problems(target('method: random_structured, count: 3, n: 1, dim: 0'))).toEqual([
      '5:72 stages[0].targets[0].n does not apply to method "random_structured": n is for ln_structured only (its norm order)',
    ]);
  });

  it('identity takes no amount', async () => {
    expect(await problems(target('method: identity, count: 3'))).toEqual([
      '5:53 stages[0].targets[0].count does not apply to method "identity": count is for the methods that take an amount (l1_unstructured, random_unstructured, ln_structured and random_structured)',
    ]);
  });

  it('random methods take no importance scores', async () => {
    expect(await problems(target('method: random_unstructured, amount: 0.5, importance_scores: {param: conv2/kernel}'))).toEqual([
      '5:77 stages[0].targets[0].importance_scores does not apply to method "random_unstructured": ' +
        'importance_scores is for l1_unstructured, ln_structured, semi_structured and custom, which rank by scores (random methods ignore them)',
    ]);
  });

  it('importance_scores needs a param or a file', async () => {
    expect(await problems(target('method: l1_unstructured, amount: 0.5, importance_scores: {layer: conv2}'))).toEqual([
      '5:92 stages[0].targets[0].importance_scores needs one of "param" or "file" (param: another parameter whose values rank the entries, or file: a safetensors file with tensor: the scores)',
      '5:93 unknown key "layer" in stages[0].targets[0].importance_scores (allowed: param, file, tensor, layout)',
    ]);
  });

  it('importance_scores takes param or file, a file with its tensor, a param without one', async () => {
    expect(await problems(target('method: l1_unstructured, amount: 0.5, importance_scores: {param: conv2/kernel, file: s.safetensors}'))).toEqual([
      '5:92 stages[0].targets[0].importance_scores is missing the required key "tensor"',
      '5:114 stages[0].targets[0].importance_scores has both "param" and "file"; give only one (param: another parameter whose values rank the entries, or file: a safetensors file with tensor: the scores)',
    ]);
    expect(await problems(target('method: l1_unstructured, amount: 0.5, importance_scores: {file: s.safetensors}'))).toEqual([
      '5:92 stages[0].targets[0].importance_scores is missing the required key "tensor"',
    ]);
    expect(await problems(target('method: l1_unstructured, amount: 0.5, importance_scores: {param: conv2/kernel, tensor: t}'))).toEqual([
      '5:114 stages[0].targets[0].importance_scores has both "param" and "tensor"; give only one (tensor and layout name the scores in a file: with file, instead of param)',
    ]);
  });
});

describe('global steps', () => {
  it('take unstructured methods only, and say why', async () => {
    const text = 'model: {builtin: lenet}\nstages:\n  - name: a\n    global: {method: ln_structured, amount: 0.2, select: [{param: kernel}]}\n';
    expect(await problems(text)).toEqual([
      '4:22 stages[0].global.method must be one of l1_unstructured, random_unstructured, got "ln_structured" ' +
        '(global pruning ranks single entries across parameters; use targets for this method)',
    ]);
  });
});

describe('fresh and remove', () => {
  it('need something to do', async () => {
    expect(await problems('model: {builtin: lenet}\nstages:\n  - name: a\n    fresh: true\n')).toEqual([
      '3:5 stages[0] needs one of "global" or "targets" or "filters" or "remove" ' +
        '(global, targets or filters prune, remove makes earlier pruning permanent; fresh alone does nothing)',
    ]);
    expect(await problems('model: {builtin: lenet}\nstages:\n  - name: a\n    remove: []\n')).toEqual([
      '4:13 stages[0].remove must not be empty',
    ]);
  });

  it('check their values', async () => {
    expect(await problems('model: {builtin: lenet}\nstages:\n  - name: a\n    fresh: yes\n    remove: [{layer: conv1}]\n')).toEqual([
      '4:12 stages[0].fresh must be true or false, got "yes" (write true or false, unquoted)',
    ]);
    expect(await problems('model: {builtin: lenet}\nstages:\n  - name: a\n    remove: [{layer: conv1, bias: true}]\n')).toEqual([
      '4:29 unknown key "bias" in stages[0].remove[0] (allowed: layer_type, layer, param)',
    ]);
  });
});

describe('resolved methods', () => {
  it('are plain method specs, with where the structured options are written', async () => {
    const recipe = await loadRecipeText(
      `${HEAD}      - select: {layer: conv1, param: kernel}\n        method: ln_structured\n        amount: 0.5\n        n: inf\n        dim: -4\n` +
        '        importance_scores: {param: conv1/kernel}\n    remove: [{layer: conv1, param: kernel}]\n  - name: b\n    fresh: true\n' +
        '    targets: [{select: {param: bias}, method: identity}]\n',
      'recipes/methods.yaml',
    );
    const [first, second] = recipe.stages;
    const at = (line: number, col: number) => ({ file: 'recipes/methods.yaml', line, col });
    expect(first?.prune).toEqual({
      scope: 'local',
      targets: [
        {
          select: { layerType: null, layer: 'conv1', param: 'kernel', at: at(5, 17) },
          method: { method: 'ln_structured', amount: { amount: 0.5 }, n: 'inf', axis: { kind: 'torch_dim', dim: -4 } },
          schedule: null,
          importance: { param: 'conv1/kernel', at: at(10, 36) },
          at: at(5, 9),
          optionsAt: { n: at(8, 12), axis: at(9, 14) },
        },
      ],
    });
    expect(first?.fresh).toBe(false);
    expect(first?.remove).toEqual([{ layerType: null, layer: 'conv1', param: 'kernel', at: at(11, 14) }]);
    expect(second?.fresh).toBe(true);
    expect(second?.prune.scope === 'local' && second.prune.targets[0]?.method).toEqual({ method: 'identity' });
  });
});
