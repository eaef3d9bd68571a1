/**
 * Recipe problems only the model reveals, found by the planner before anything runs: a
 * structured method on a parameter with no channel layout, a dim out of range, a norm torch
 * refuses for the layout, a count above the channels, an importance source that is missing or
 * mis-shaped, a remove of something not pruned. Each is located at what the user wrote.
 */
import { describe, expect, it } from 'vitest';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { Plan, PruneTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const HEAD = 'model: {builtin: lenet}\nstages:\n  - name: a\n    targets:\n';

async function plan(text: string): Promise<Plan> {
  return buildPlan(await loadRecipeText(text, 'recipes/plan.yaml'), LENET_DESCRIPTION);
}

async function problems(text: string): Promise<string[]> {
  return recipeProblems(() => plan(text));
}

const target = (fields: string) => `${HEAD}      - {${fields}}\n`;

describe('structured methods need a kernel layout', () => {
  it('refuses axis on a bias, at the axis', async () => {
    expect(await problems(target('select: {layer: conv1}, method: ln_structured, amount: 0.5, n: 2, axis: out'))).toEqual([
      '5:82 axis: out needs a conv2d or dense kernel, whose layout says which axis holds the channels, ' +
        'but the selector picks conv1/bias (conv2d bias, shape [6])',
    ]);
  });

  it('refuses a dim out of range, at the dim', async () => {
    expect(await problems(target('select: {layer: conv1, param: kernel}, method: random_structured, count: 1, dim: 4'))).toEqual([
      "5:91 'conv1/kernel': dim: 4 is out of range for a conv2d kernel, whose torch layout [out, in, kh, kw] " +
        'has dims 0 to 3 (or -4 to -1 from the end)',
    ]);
  });

  it('counts channels along the axis', async () => {
    expect(await problems(target('select: {layer: conv1, param: kernel}, method: ln_structured, count: 7, n: 1, axis: out'))).toEqual([
      '5:9 count: 7 is more than the 6 channels along axis: out (TF.js axis 3) of conv1/kernel',
    ]);
    // 1 input channel: count 1 is all of them, and allowed.
    await expect(plan(target('select: {layer: conv1, param: kernel}, method: random_structured, count: 1, axis: in'))).resolves.toBeDefined();
  });
});

describe('norm orders torch accepts only for some layouts', () => {
  it('accepts fro on dense kernels and refuses it on conv2d kernels, saying why', async () => {
    await expect(plan(target('select: {layer_type: dense, param: kernel}, method: ln_structured, amount: 0.5, n: fro, axis: in'))).resolves.toBeDefined();
    const found = await problems(target('select: {layer: conv1, param: kernel}, method: ln_structured, amount: 0.5, n: fro, axis: in'));
    expect(found).toEqual([
      "5:88 'conv1/kernel': n=fro ranks channels by torch.norm(p='fro') over the other 3 dims, which torch refuses " +
        'for more than 2 dims ("Expected at most 2 dimensions"); n: 2 computes the same norm and is accepted',
    ]);
  });

  it('refuses nuc, quoting torch', async () => {
    expect(await problems(target('select: {layer: fc1, param: kernel}, method: ln_structured, amount: 0.5, n: nuc, dim: 1'))).toEqual([
      "5:86 'fc1/kernel': n=nuc needs exactly 2 reduced dims (the nuclear norm of a matrix per channel), but pruning " +
        'this tensor along one axis reduces over 1 (torch raises "nuclear norm requires a \'dim\' argument of size 2")',
    ]);
  });
});

describe('importance_scores', () => {
  it('must name a parameter of the model, listing them', async () => {
    const found = await problems(
      target('select: {layer: conv1, param: kernel}, method: l1_unstructured, amount: 0.5, importance_scores: {param: conv9/kernel}'),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^5:114 importance_scores.param "conv9\/kernel" is not a parameter of builtin:lenet; its parameters are: conv1\/kernel \[3, 3, 1, 6\], conv1\/bias \[6\],/);
  });

  it('must have the shape of every parameter it ranks', async () => {
    expect(
      await problems(target('select: {layer: conv*, param: kernel}, method: l1_unstructured, amount: 0.5, importance_scores: {param: conv2/kernel}')),
    ).toEqual([
      '5:114 importance_scores.param conv2/kernel has shape [3, 3, 6, 16] but conv1/kernel, which this target prunes, ' +
        'has shape [3, 3, 1, 6]; the scores must have the shape of the parameter they rank',
    ]);
  });

  it('is carried into the plan as the group importance', async () => {
    const p = await plan(target('select: {layer: fc2, param: kernel}, method: ln_structured, amount: 0.5, n: 1, axis: out, importance_scores: {param: fc2/kernel}'));
    const task = p.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    expect(task.groups[0]?.importance).toEqual({ kind: 'parameter', name: 'fc2/kernel' });
  });
});

describe('remove', () => {
  it('must pick parameters pruned at that point (torch raises too)', async () => {
    const text = `${target('select: {layer: conv1, param: kernel}, method: l1_unstructured, amount: 0.5')}    remove: [{layer: conv1}]\n`;
    expect(await problems(text)).toEqual([
      "6:14 remove: conv1/bias is not pruned at this point, so there is nothing to make permanent (torch's prune.remove raises too); " +
        'pruned now: conv1/kernel',
    ]);
  });

  it('forgets what it removed, and what a fresh start drops', async () => {
    const text =
      `${target('select: {param: kernel}, method: identity')}    remove: [{layer: conv1, param: kernel}]\n` +
      '  - name: b\n    remove: [{layer: conv1, param: kernel}]\n' +
      '  - name: c\n    fresh: true\n    remove: [{layer: fc1, param: kernel}]\n';
    expect(await problems(text)).toEqual([
      "8:14 remove: conv1/kernel is not pruned at this point, so there is nothing to make permanent (torch's prune.remove raises too); " +
        'pruned now: conv2/kernel, fc1/kernel, fc2/kernel, fc3/kernel',
      "11:14 remove: fc1/kernel is not pruned at this point, so there is nothing to make permanent (torch's prune.remove raises too); " +
        'nothing is pruned now',
    ]);
  });
});
