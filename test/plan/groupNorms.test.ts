/**
 * ln_structured with `groups: true` through the recipe, the plan and the engine: the target
 * becomes a group task (listed by the dry-run), refusals come from the plan, located (channels
 * that are not the outputs, a schedule, importance_scores, a kernel whose channels are the model's
 * output, `groups` on another method), and the engine masks each removed channel in every member.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { EngineSession } from '../../src/engine/session.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { summarizePruneTask } from '../../src/plan/format.js';
import type { LoadModelTask, PruneTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const recipe = (target: string) => `seed: 4
model: {builtin: lenet}
stages:
  - name: g
    targets:
      - ${target}
`;

/** Where the value of `key` is in the target's line (line 6, after `      - `). */
const at = (target: string, key: string) => `6:${9 + target.indexOf(`${key}: `) + key.length + 2}`;

const plan = async (target: string) => buildPlan(await loadRecipeText(recipe(target), 'g.yaml'), LENET_DESCRIPTION);
const problems = async (target: string) => recipeProblems(async () => plan(target));

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('ln_structured over channel groups in a recipe', () => {
  it('plans a group task and says what it does', async () => {
    const built = await plan('{select: {layer_type: conv2d, param: kernel}, method: ln_structured, amount: 0.5, n: 2, dim: 0, groups: true}');
    const task = built.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    expect(task.groups).toEqual([]);
    expect(task.groupNorms).toEqual([{ kernels: ['conv1/kernel', 'conv2/kernel'], n: 2, amount: 0.5 }]);
    expect(summarizePruneTask(task)).toMatch(/^ln_structured over the channel groups of conv1\/kernel, conv2\/kernel: each group loses 50% of the channels still unpruned, smallest L2 norm first/);
  });

  it('removes half of conv2\'s channels with their biases and every fc1 row that reads them', async () => {
    const built = await plan('{select: {layer: conv2, param: kernel}, method: ln_structured, amount: 0.5, n: 1, axis: out, groups: true}');
    const session = new EngineSession();
    try {
      await session.loadModel(built.tasks[0] as LoadModelTask);
      const result = await session.prune(built.tasks.find((t): t is PruneTask => t.kind === 'prune')!);
      expect([...result.parameters.keys()].sort()).toEqual(['conv2/bias', 'conv2/kernel', 'fc1/kernel']);
      const masks = masksOf(session.model);
      const bias = masks.get('conv2/bias')!.mask;
      const dead = [...bias.keys()].filter((c) => bias[c] === 0);
      expect(dead).toHaveLength(8);
      const fc1 = masks.get('fc1/kernel')!.mask; // [400, 120], rows p·16 + c
      for (let row = 0; row < 400; row++) expect(fc1[row * 120]).toBe(dead.includes(row % 16) ? 0 : 1);
      const kernel = masks.get('conv2/kernel')!.mask; // [3, 3, 6, 16]
      expect(kernel.every((m, i) => m === (dead.includes(i % 16) ? 0 : 1))).toBe(true);
    } finally {
      await session.dispose();
    }
  });

  it('refuses at the plan, located: input channels, a schedule, importance_scores, the output group', async () => {
    const inputs = '{select: {layer: conv2, param: kernel}, method: ln_structured, amount: 0.5, n: 2, dim: 1, groups: true}';
    expect(await problems(inputs)).toEqual([`${at(inputs, 'dim')} groups: a channel group is made by output channels; conv2/kernel would be pruned along another axis — use axis: out (dim: 0)`]);
    const scheduled = '{select: {layer: conv2, param: kernel}, method: ln_structured, schedule: {kind: gradual, initial: 0, final: 0.5, start: 0, end: 2, every: 1}, n: 2, dim: 0, groups: true}';
    expect(await problems(scheduled)).toEqual([
      `${at(scheduled, 'groups')} groups: whole channel groups are pruned at once; a schedule raises one parameter's sparsity step by step — drop schedule (give amount or count) or groups`,
    ]);
    const scored = '{select: {layer: conv2, param: kernel}, method: ln_structured, amount: 0.5, n: 2, dim: 0, groups: true, importance_scores: {param: conv2/kernel}}';
    expect(await problems(scored)).toEqual([`${at(scored, 'groups')} groups: importance_scores rank one parameter's entries, not a group's channels; drop importance_scores or groups`]);
    const output = '{select: {layer: fc3, param: kernel}, method: ln_structured, amount: 0.5, n: 2, dim: 0, groups: true}';
    expect(await problems(output)).toEqual([`${at(output, 'select')} groups: the channels of fc3/kernel (group fc3) cannot be removed: they are the model's output`]);
  });

  it('refuses groups on a method that ranks entries one by one, at validation', async () => {
    const text = recipe('{select: {layer: conv2, param: kernel}, method: l1_unstructured, amount: 0.5, groups: true}');
    await expect(loadRecipeText(text, 'g.yaml')).rejects.toThrow(/groups/);
  });
});
