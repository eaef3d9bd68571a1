/**
 * What only the model reveals about N:M sparsity and plugins, found by the planner before anything
 * runs, each located at what the user wrote: an input axis M does not divide, a parameter without
 * a kernel layout, a plugin's kind against its axis; and the --dry-run lines.
 */
import { describe, expect, it } from 'vitest';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { formatPlan } from '../../src/plan/format.js';
import type { Plan, PruneTask } from '../../src/plan/types.js';
import type { PluginReference } from '../../src/prune/spec.js';
import { bindPlugins } from '../../src/plugins/uses.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const HEAD = 'model: {builtin: lenet}\nstages:\n  - name: a\n    targets:\n';
const target = (fields: string) => `${HEAD}      - {${fields}}\n`;

async function plan(text: string, plugin?: PluginReference): Promise<Plan> {
  const recipe = await loadRecipeText(text, 'recipes/plan.yaml');
  const bound = plugin === undefined ? recipe : bindPlugins(recipe, new Map([['plugins/m.js', plugin]]));
  return buildPlan(bound, LENET_DESCRIPTION);
}

async function problems(text: string, plugin?: PluginReference): Promise<string[]> {
  return recipeProblems(() => plan(text, plugin));
}

const plugin = (kind: PluginReference['kind']): PluginReference => ({ file: '/r/plugins/m.js', sha256: 'ab'.repeat(32), name: 'mine', kind });

describe('semi_structured against the model', () => {
  it('refuses a kernel whose input axis M does not divide, at the pattern, naming it, its shape and M', async () => {
    // conv2 has 6 input channels; conv1 has 1.
    expect(await problems(target('select: {layer_type: conv2d, param: kernel}, method: semi_structured, pattern: "2:4"'))).toEqual([
      "5:89 'conv1/kernel' has shape [3, 3, 1, 6]: its input axis (TF.js axis 2) has 1 entries, not a multiple of the group size M = 4, so its groups of 4 consecutive inputs do not tile it",
      "5:89 'conv2/kernel' has shape [3, 3, 6, 16]: its input axis (TF.js axis 2) has 6 entries, not a multiple of the group size M = 4, so its groups of 4 consecutive inputs do not tile it",
    ]);
    // 1:2 tiles conv2's 6 inputs.
    await expect(plan(target('select: {layer: conv2, param: kernel}, method: semi_structured, pattern: "1:2"'))).resolves.toBeDefined();
  });

  it('refuses a parameter without a kernel layout (a bias), at the pattern', async () => {
    expect(await problems(target('select: {layer: fc1, param: bias}, method: semi_structured, pattern: "2:4"'))).toEqual([
      '5:79 semi_structured needs a conv2d or dense kernel, whose layout says which axis holds the inputs its groups run along, ' +
        'but the selector picks fc1/bias (dense bias, shape [120])',
    ]);
  });

  it('plans the dense kernels and says what --dry-run will do', async () => {
    const p = await plan(target('select: {layer: "fc*", param: kernel}, method: semi_structured, pattern: "2:4"'));
    const prune = p.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    expect(prune.groups[0]!.parameters).toEqual(['fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    expect(prune.groups[0]!.method).toEqual({ method: 'semi_structured', pattern: { n: 2, m: 4 } });
    expect(formatPlan(p)).toContain(
      'fc2/kernel [120, 84]: keeps 2 of every 4 consecutive entries along its input axis (TF.js axis 0): prunes 5040 of its 10080 entries, smallest |w| first',
    );
  });
});

describe('custom plugins against the model', () => {
  const custom = (extra: string) => target(`select: {layer: fc1, param: kernel}, method: custom, module: plugins/m.js${extra}`);

  it('needs the plugin bound before planning', async () => {
    expect(await problems(custom(''))).toEqual([
      '5:71 the plugin module "plugins/m.js" is not loaded; prepareRun loads it (with permission) before planning',
    ]);
  });

  it('wants an axis for a structured plugin and refuses one for the other kinds', async () => {
    expect(await problems(custom(''), plugin('structured'))).toEqual([
      '5:71 plugin "mine" of plugins/m.js is structured: say which channels it prunes with axis: out or in (or torch\'s dim)',
    ]);
    expect(await problems(custom(', axis: out'), plugin('unstructured'))).toEqual([
      '5:91 axis: out is for structured plugins only; plugin "mine" of plugins/m.js is unstructured',
    ]);
    const p = await plan(custom(', axis: in'), plugin('structured'));
    const group = p.tasks.find((t): t is PruneTask => t.kind === 'prune')!.groups[0]!;
    expect(group.planned['fc1/kernel']).toEqual({ layout: 'dense', axis: 0, composes: false });
    expect(group.method).toMatchObject({ method: 'custom', plugin: plugin('structured'), options: {} });
    expect(formatPlan(p)).toContain('plugin "mine" (/r/plugins/m.js, sha256 abababababab) chooses from its channels along TF.js axis 0 not yet fully pruned');
  });
});
