/**
 * export.compact plans on models with merge layers (residual adds, concatenations): compaction
 * goes through the channel groups there (export/compact/graph.ts), so the planner no longer
 * refuses them; a chain plans as before.
 */
import { describe, expect, it } from 'vitest';
import { describeBuiltinModel } from '../../src/models/builtin.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { loadRecipeText } from '../../src/recipe/load.js';

const recipe = (model: string) => `model: ${model}
stages:
  - name: s
    filters: {select: [{layer_type: conv2d, param: kernel}], target: {macs: 0.5}}
export:
  compact: true
`;

describe('export.compact and merge layers', () => {
  it('plans a residual model with filters to a MACs target and compact export', async () => {
    const resolved = await loadRecipeText(recipe('{builtin: resnet, depth: 8}'), 'r.yaml');
    if (resolved.model.kind !== 'builtin') throw new Error('the recipe names a builtin model');
    const plan = buildPlan(resolved, describeBuiltinModel(resolved.model));
    expect(plan.tasks.find((t) => t.kind === 'export')).toMatchObject({ compact: true });
    expect(plan.tasks.find((t) => t.kind === 'prune')).toMatchObject({ filters: { measure: 'macs', fraction: 0.5, minChannels: 0.25 } });
  });

  it('plans a chain as before', async () => {
    const plan = buildPlan(await loadRecipeText(recipe('{builtin: lenet}'), 'r.yaml'), LENET_DESCRIPTION);
    expect(plan.tasks.find((t) => t.kind === 'export')).toMatchObject({ compact: true });
  });
});
