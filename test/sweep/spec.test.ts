/**
 * Sweep files: the points a grid, a list and seeds make, in order; located refusals of a bad file;
 * the shard slices and where a shard's index is read from; the Pareto fronts of the report.
 */
import { describe, expect, it } from 'vitest';
import { RecipeError, UsageError } from '../../src/errors.js';
import { paretoFront } from '../../src/sweep/report.js';
import { parseShard, shardFromEnvironment, shardSlice } from '../../src/sweep/shard.js';
import { parseSweep, setArgument } from '../../src/sweep/spec.js';

const setsOf = (text: string) => parseSweep(text, 'sweep.yaml', '/work').points.map((p) => p.overrides.map(setArgument));

const refusal = (text: string): string => {
  try {
    parseSweep(text, 'sweep.yaml', '/work');
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeError);
    return (error as Error).message;
  }
  throw new Error('the sweep was accepted');
};

describe('a sweep file', () => {
  it('makes a grid point by point, the last path fastest, after set and before the seed (seeds slowest)', () => {
    const sweep = parseSweep(
      `recipe: recipes/r.yaml
set: {train.epochs: 1}
grid:
  stages.0.global.amount: [0.5, 0.8]
  stages[0].finetune.learning_rate: [0.001, 0.01]
seeds: [1, 2]
`,
      'sweeps/s.yaml',
      '/work',
    );
    expect(sweep.name).toBe('s');
    expect(sweep.recipe).toBe('/work/sweeps/recipes/r.yaml');
    expect(sweep.points.map((p) => p.id)).toEqual(['p01', 'p02', 'p03', 'p04', 'p05', 'p06', 'p07', 'p08']);
    expect(sweep.points.map((p) => p.overrides.map(setArgument))).toEqual(
      [1, 2].flatMap((seed) =>
        [0.5, 0.8].flatMap((amount) =>
          [0.001, 0.01].map((lr) => ['train.epochs=1', `stages.0.global.amount=${amount}`, `stages[0].finetune.learning_rate=${lr}`, `seed=${seed}`]),
        ),
      ),
    );
  });

  it('takes a list of points, values of any YAML type as --set reads them, and a name', () => {
    const sweep = parseSweep(`name: my-sweep\nrecipe: r.yaml\npoints:\n  - {stages.0.global.amount: 0.5}\n  - {train: {epochs: 2, optimizer: sgd}, stages.0.name: "two words"}\n`, 's.yaml', '/w');
    expect(sweep.name).toBe('my-sweep');
    expect(sweep.points.map((p) => p.overrides.map(setArgument))).toEqual([
      ['stages.0.global.amount=0.5'],
      ['train={"epochs":2,"optimizer":"sgd"}', 'stages.0.name="two words"'],
    ]);
    // Without grid or points: the recipe once (per seed).
    expect(setsOf('recipe: r.yaml\n')).toEqual([[]]);
    expect(setsOf('recipe: r.yaml\nseeds: [4, 5]\n')).toEqual([['seed=4'], ['seed=5']]);
  });

  it('refuses a bad file with located sentences', () => {
    expect(refusal('recipe: r.yaml\ngrid:\n  train.epochs: []\n')).toBe('sweep.yaml:3:17: grid.train.epochs must not be empty');
    expect(refusal('recipe: r.yaml\ngird: {a: [1]}\n')).toMatch(/^sweep\.yaml:2:1: .*gird.*grid/);
    expect(refusal('recipe: r.yaml\ngrid: {a: [1]}\npoints: [{a: 2}]\n')).toBe('sweep.yaml:3:1: a sweep has a grid or a list of points, not both: move these points into the grid, or the grid into points');
    expect(refusal('recipe: r.yaml\ngrid: {seed: [1, 2]}\nseeds: [3]\n')).toBe('sweep.yaml:2:8: seed is set by seeds: list the seeds there, not here');
    expect(refusal('recipe: r.yaml\nseeds: [1, 1]\n')).toMatch(/^sweep\.yaml:2:8: /);
    expect(refusal('grid: {a: [1]}\n')).toMatch(/^sweep\.yaml:1:1: .*recipe/);
  });
});

describe('shards', () => {
  const points = Array.from({ length: 10 }, (_, i) => i);

  it('are fixed contiguous slices that cover every point once', () => {
    const slices = [1, 2, 3, 4].map((i) => shardSlice(points, parseShard(`${i}/4`)));
    expect(slices).toEqual([[0, 1], [2, 3, 4], [5, 6], [7, 8, 9]]);
    expect(shardSlice(points, null)).toEqual(points);
    expect(shardSlice([1, 2], parseShard('3/4'))).toEqual([]);
    for (const bad of ['0/4', '5/4', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(UsageError);
  });

  it("are read from the CI engine's environment when not given", () => {
    expect(shardFromEnvironment({}, null)).toBeNull();
    expect(shardFromEnvironment({ PRUNE_RUN_SHARD: '2/4' }, null)).toEqual({ index: 2, total: 4, source: 'PRUNE_RUN_SHARD' });
    expect(shardFromEnvironment({ CI_NODE_INDEX: '3', CI_NODE_TOTAL: '5' }, null)).toMatchObject({ index: 3, total: 5 });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }, 4)).toMatchObject({ index: 1, total: 4 });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '3', PRUNE_RUN_SHARD_TOTAL: '4' }, null)).toMatchObject({ index: 4, total: 4 });
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '1' }, null)).toThrow(/--shards <completions> or set PRUNE_RUN_SHARD_TOTAL/);
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '4' }, 4)).toThrow(/JOB_COMPLETION_INDEX \(0-based\): expected a shard i\/n/);
    expect(() => shardFromEnvironment({ CI_NODE_INDEX: '0', CI_NODE_TOTAL: '2' }, null)).toThrow(/CI_NODE_INDEX\/CI_NODE_TOTAL/);
  });
});

describe('the Pareto front', () => {
  it('keeps the points no other is at least as good as on both measures and better on one', () => {
    const points = [
      { accuracy: 0.9, measure: 0.5 },
      { accuracy: 0.8, measure: 0.9 },
      { accuracy: 0.85, measure: 0.5 }, // beaten by the first (same sparsity, less accurate)
      { accuracy: 0.7, measure: 0.8 }, // beaten by the second
      { accuracy: null, measure: 0.99 },
      { accuracy: 0.9, measure: 0.5 }, // a tie with the first: neither beats the other
    ];
    expect(paretoFront(points, true)).toEqual([true, true, false, false, false, true]);
    // Smaller is better (nonzeros, size): the measure's direction flips.
    expect(paretoFront([{ accuracy: 0.9, measure: 100 }, { accuracy: 0.8, measure: 50 }, { accuracy: 0.8, measure: 60 }], false)).toEqual([true, true, false]);
  });
});
