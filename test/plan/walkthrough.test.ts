/**
 * The plan of recipes/seed-walkthrough.yaml: one task per walkthrough step in order, method specs
 * as plain data, conv1's `axis: out` resolved to TF.js axis 3, composition where the walkthrough
 * prunes on top, fresh models before the per-type rule and the global step, and a dry-run
 * listing that says what each step will do to each parameter.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { formatPlan } from '../../src/plan/format.js';
import type { LoadModelTask, Plan, PruneTask } from '../../src/plan/types.js';
import { loadRecipe } from '../../src/recipe/load.js';

const RECIPE = fileURLToPath(new URL('../../recipes/seed-walkthrough.yaml', import.meta.url));

async function walkthroughPlan(): Promise<Plan> {
  return buildPlan(await loadRecipe(RECIPE), LENET_DESCRIPTION);
}

const prune = (plan: Plan, stage: string): PruneTask =>
  plan.tasks.find((t): t is PruneTask => t.kind === 'prune' && t.stage === stage)!;

describe('the seed walkthrough plan', () => {
  it('has no data, no training and no evaluation: the walkthrough only prunes', async () => {
    const recipe = await loadRecipe(RECIPE);
    expect(recipe.data).toBeNull();
    expect(recipe.train).toBeNull();
    expect(recipe.report.evaluate).toBe(false);
  });

  it('runs the steps in the walkthrough order, fresh models before the last two', async () => {
    const plan = await walkthroughPlan();
    expect(plan.tasks.map((t) => `${t.id} ← ${t.dependsOn.join(',')}`)).toEqual([
      'load-model ← ',
      'prune:conv1-kernel-random-30 ← load-model',
      'prune:conv1-bias-l1-3 ← prune:conv1-kernel-random-30',
      'prune:conv1-kernel-ln-50-out ← prune:conv1-bias-l1-3',
      'prune:conv1-kernel-remove ← prune:conv1-kernel-ln-50-out',
      'fresh-model:per-type-rule ← prune:conv1-kernel-remove',
      'prune:per-type-rule ← fresh-model:per-type-rule',
      'fresh-model:global-l1-20 ← prune:per-type-rule',
      'prune:global-l1-20 ← fresh-model:global-l1-20',
      'export ← prune:global-l1-20',
      'report ← export',
    ]);
    const loads = plan.tasks.filter((t): t is LoadModelTask => t.kind === 'load-model');
    // A fresh model is the same LeNet again: same source, same initial weights.
    expect(loads.map((t) => [t.fresh, t.seed])).toEqual([
      [false, loads[0]!.seed],
      [true, loads[0]!.seed],
      [true, loads[0]!.seed],
    ]);
  });

  it('carries each step as a method spec, with the TF.js axis and composition worked out', async () => {
    const plan = await walkthroughPlan();
    const random = prune(plan, 'conv1-kernel-random-30').groups[0]!;
    expect(random.method).toEqual({ method: 'random_unstructured', amount: { amount: 0.3 } });
    expect(random.planned).toEqual({ 'conv1/kernel': { layout: 'conv2d', axis: null, composes: false } });
    const bias = prune(plan, 'conv1-bias-l1-3').groups[0]!;
    expect(bias.method).toEqual({ method: 'l1_unstructured', amount: { count: 3 } });
    expect(bias.planned).toEqual({ 'conv1/bias': { layout: null, axis: null, composes: false } });
    const ln = prune(plan, 'conv1-kernel-ln-50-out').groups[0]!;
    expect(ln.method).toEqual({ method: 'ln_structured', amount: { amount: 0.5 }, n: 2, axis: { kind: 'meaning', value: 'out' } });
    expect(ln.importance).toEqual({ kind: 'weights' });
    // Output channels of [kh, kw, in, out]; on top of the random mask.
    expect(ln.planned).toEqual({ 'conv1/kernel': { layout: 'conv2d', axis: 3, composes: true } });
    expect(prune(plan, 'conv1-kernel-remove')).toMatchObject({ groups: [], remove: ['conv1/kernel'] });

    const perType = prune(plan, 'per-type-rule');
    expect(perType.groups.map((g) => [g.method, g.parameters])).toEqual([
      [{ method: 'l1_unstructured', amount: { amount: 0.2 } }, ['conv1/kernel', 'conv2/kernel']],
      [{ method: 'l1_unstructured', amount: { amount: 0.4 } }, ['fc1/kernel', 'fc2/kernel', 'fc3/kernel']],
    ]);
    // After the fresh start nothing composes, although conv1/bias was pruned before it.
    expect(perType.groups.flatMap((g) => Object.values(g.planned).map((p) => p.composes))).toEqual([false, false, false, false, false]);
    const global = prune(plan, 'global-l1-20');
    expect(global.scope).toBe('global');
    expect(global.groups[0]?.parameters).toEqual(['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
  });

  it('is plain JSON', async () => {
    const plan = await walkthroughPlan();
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('lists per parameter the method, the resolved axis and what will happen', async () => {
    const text = formatPlan(await walkthroughPlan());
    for (const line of [
      '        conv1/kernel [3, 3, 1, 6]: prunes 16 of its 54 entries at random (seeded)',
      '      l1_unstructured 3 entries on each of 1 parameter(s), each on its own',
      '        conv1/bias [6]: prunes 3 of its 6 entries, smallest |w| first',
      '      ln_structured 50% (n=2, axis: out) on each of 1 parameter(s), each on its own',
      '        conv1/kernel [3, 3, 1, 6]: along TF.js axis 3 (torch dim 0: output channels, the filters), ' +
        'prunes 50% of its channels not yet fully pruned, smallest L2 norm first, on top of its mask',
      "      remove (torch's prune.remove): weight = original × mask, mask and history dropped",
      '      fresh model: built-in lenet (init seed 823866117) rebuilt, every mask and history dropped',
      '        conv2/kernel [3, 3, 6, 16]: prunes 173 of its 864 entries, smallest |w| first',
      '        fc1/kernel [400, 120]: prunes 19200 of its 48000 entries, smallest |w| first',
      '      global l1_unstructured 20% over 5 parameters: one ranking, prunes 11968 of their 59838 entries, smallest |value| first',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});
