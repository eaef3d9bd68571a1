/**
 * export.compact on a model with a merge layer is refused by the planner — before any training —
 * at the recipe's `compact`, naming the layer, as compaction itself would refuse it afterwards.
 */
import { describe, expect, it } from 'vitest';
import { describeParameter, type ModelDescription } from '../../src/models/description.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const RECIPE = `model: {builtin: lenet}
stages:
  - name: s
    targets: [{select: {layer: fc1, param: kernel}, method: l1_unstructured, amount: 0.5}]
export:
  compact: true
`;

const WITH_ADD: ModelDescription = {
  source: 'residual.json',
  layers: [
    ...LENET_DESCRIPTION.layers,
    { name: 'skip', type: 'add', className: 'Add', params: [] },
    { name: 'head', type: 'dense', className: 'Dense', params: [describeParameter('head', 'Dense', 'kernel', [10, 10])] },
  ],
};

describe('export.compact and merge layers', () => {
  it('is refused at plan time at export.compact, naming the Add layer', async () => {
    const recipe = await loadRecipeText(RECIPE, 'r.yaml');
    expect(await recipeProblems(() => buildPlan(recipe, WITH_ADD))).toEqual([
      "6:12 export.compact: layer 'skip' (Add) is a residual add, which joins several branches; compaction supports simple chains of layers only. " +
        'Export the masked model (model/) or the sparse files (export.sparse) instead',
    ]);
  });

  it('plans a chain as before', async () => {
    const plan = buildPlan(await loadRecipeText(RECIPE, 'r.yaml'), LENET_DESCRIPTION);
    expect(plan.tasks.find((t) => t.kind === 'export')).toMatchObject({ compact: true });
  });
});
