/** export.fold_batch_norm in a recipe: resolved when on (absent when off, so other recipes resolve as before), refused without compact, located. */
import { describe, expect, it } from 'vitest';
import { loadRecipeText } from '../../src/recipe/load.js';

const recipe = (exportLine: string) => `seed: 1
model: {builtin: lenet}
stages:
  - name: s
    targets:
      - {select: {layer: conv1, param: kernel}, method: l1_unstructured, amount: 0.5}
export: ${exportLine}
`;

describe('export.fold_batch_norm', () => {
  it('is resolved when on and absent when off', async () => {
    expect((await loadRecipeText(recipe('{compact: true, fold_batch_norm: true}'), 'r.yaml')).export).toMatchObject({ compact: true, foldBatchNorm: true });
    expect((await loadRecipeText(recipe('{compact: true}'), 'r.yaml')).export).not.toHaveProperty('foldBatchNorm');
  });

  it('is refused without compact, at the export key', async () => {
    await expect(loadRecipeText(recipe('{fold_batch_norm: true}'), 'r.yaml')).rejects.toThrow('r.yaml:7:9: export is missing the required key "compact" (fold_batch_norm folds into the compact model, so compact must be on)');
    await expect(loadRecipeText(recipe('{compact: false, fold_batch_norm: true}'), 'r.yaml')).rejects.toThrow('r.yaml:7:19: export.compact must be true, got false (fold_batch_norm folds into the compact model, so compact must be on)');
  });
});
