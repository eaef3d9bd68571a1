import { describe, expect, it } from 'vitest';
import { runSeeds } from '../../src/plan/seeds.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { SeededRandom } from '../../src/util/random.js';

const labelled = (seed: number, label: string) => SeededRandom.derive(seed, label).nextSeed();

describe('runSeeds', () => {
  // The labels are part of every run's numbers: a renamed label would change earlier runs' results.
  it('derives each stream from the recipe seed under its label', () => {
    const seeds = runSeeds({ seed: 7 });
    expect(seeds.modelInit).toBe(labelled(7, 'model-init'));
    expect(seeds.training('train')).toBe(labelled(7, 'train'));
    expect(seeds.training('finetune:s1#2')).toBe(labelled(7, 'finetune:s1#2'));
    expect(seeds.pruneGroup({ name: 's1' }, 1, 0)).toBe(labelled(7, 'prune:s1:0'));
    expect(seeds.pruneGroup({ name: 's1' }, 3, 2)).toBe(labelled(7, 'prune:s1#3:2'));
  });

  it('seeds the data stream with the recipe seed itself, as runs before derived streams did', async () => {
    const recipe = (seed: number) => `seed: ${seed}\nmodel: {builtin: lenet}\ndata: {builtin: mnist, train_size: 100, test_size: 50}\ntrain: {epochs: 1}\nstages:\n  - name: s\n    targets: [{select: {param: kernel}, method: l1_unstructured, amount: 0.5}]\n`;
    for (const seed of [7, 0]) {
      const plan = buildPlan(await loadRecipeText(recipe(seed), 's.yaml'), LENET_DESCRIPTION);
      expect(plan.tasks.find((t) => t.kind === 'load-data')).toMatchObject({ seed });
      expect(plan.tasks.find((t) => t.kind === 'load-model')).toMatchObject({ seed: labelled(seed, 'model-init') });
    }
  });

  it('gives different streams different seeds, and another recipe seed other ones', () => {
    const a = runSeeds({ seed: 1 });
    const b = runSeeds({ seed: 2 });
    expect(new Set([a.modelInit, a.training('train'), a.pruneGroup({ name: 's' }, 1, 0), a.pruneGroup({ name: 's' }, 1, 1)]).size).toBe(4);
    expect(b.modelInit).not.toBe(a.modelInit);
  });
});
