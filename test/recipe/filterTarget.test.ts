/**
 * `filters:` in a recipe: the target as a number (parameters) or {params | macs: fraction}, the
 * floor's default, and each wrong form refused at its value with what to write instead.
 */
import { describe, expect, it } from 'vitest';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const recipe = (target: string, extra = '') => `model: {builtin: lenet}
stages:
  - name: f
    filters:
      select: [{layer_type: conv2d, param: kernel}]
      target: ${target}${extra}
`;

const filtersOf = async (target: string, extra = '') => (await loadRecipeText(recipe(target, extra), 'r.yaml')).stages[0]!.filters;
const problems = (target: string) => recipeProblems(() => loadRecipeText(recipe(target), 'r.yaml'));

describe('filters: target and min_channels', () => {
  it('reads a number as parameters, a mapping by its key, and defaults min_channels to 0.25', async () => {
    expect(await filtersOf('0.4')).toMatchObject({ target: { measure: 'params', fraction: 0.4, at: { line: 6, col: 15 } }, minChannels: 0.25 });
    expect(await filtersOf('{params: 0.3}')).toMatchObject({ target: { measure: 'params', fraction: 0.3 } });
    expect(await filtersOf('{macs: 0.5}', '\n      min_channels: 0.5')).toMatchObject({ target: { measure: 'macs', fraction: 0.5 }, minChannels: 0.5 });
  });

  it('refuses each wrong form at its value', async () => {
    expect(await problems('{flops: 0.5}')).toEqual(['6:16 unknown key "flops" in stages[0].filters.target (allowed: params, macs)']);
    expect(await problems('1.5')).toEqual(['6:15 stages[0].filters.target must be a fraction in [0, 1], got 1.5']);
    expect(await problems('{macs: 2}')).toEqual(['6:22 stages[0].filters.target.macs must be a fraction in [0, 1], got 2']);
    expect(await problems('{params: 0.5, macs: 0.5}')).toEqual(['6:15 stages[0].filters.target must give only one of params, macs, got params and macs']);
    expect(await problems('{}')).toEqual(['6:15 stages[0].filters.target must give at least one of params, macs']);
  });
});
