/**
 * `model: {builtin: resnet | mobilenet, ...}`: the options resolve with their defaults into the
 * load-model task's source, and a wrong option is refused where the recipe writes it.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MODEL_NAMES } from '../../src/models/builtin.js';
import { RESNET_DEPTHS } from '../../src/models/resnet.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const recipe = (model: string, data = '{builtin: mnist, train_size: 64, test_size: 32}') =>
  `model: ${model}\ndata: ${data}\nstages:\n  - name: a\n    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n`;

const problems = (model: string, data?: string) => recipeProblems(() => loadRecipeText(recipe(model, data), 'r.yaml'));

describe('built-in model options', () => {
  it('are the schema\'s: the models and depths it allows are the ones that can be built', async () => {
    const schema = JSON.parse(await readFile('schemas/recipe.schema.json', 'utf8')) as {
      $defs: { model: { properties: { builtin: { enum: unknown[] }; depth: { enum: unknown[] } } } };
    };
    expect(schema.$defs.model.properties.builtin.enum).toEqual([...BUILTIN_MODEL_NAMES]);
    expect(schema.$defs.model.properties.depth.enum).toEqual([...RESNET_DEPTHS]);
  });

  it('resolve with their defaults: ResNet-20 and MobileNet of width 1 for the built-in data\'s 28×28×1 images and 10 classes', async () => {
    expect((await loadRecipeText(recipe('{builtin: resnet}'), 'r.yaml')).model).toEqual({
      kind: 'builtin',
      name: 'resnet',
      options: { depth: 20, width: 1, inputShape: [28, 28, 1], classes: 10 },
    });
    // Without data, nothing stands against other images and classes.
    const noData = 'model: {builtin: mobilenet, width: 0.5, input_shape: [32, 32, 3], classes: 7}\nstages: [{name: a, remove: [{param: kernel}]}]\n';
    expect((await loadRecipeText(noData, 'r.yaml')).model).toEqual({
      kind: 'builtin',
      name: 'mobilenet',
      options: { width: 0.5, inputShape: [32, 32, 3], classes: 7 },
    });
    expect((await loadRecipeText(recipe('{builtin: lenet}'), 'r.yaml')).model).toEqual({ kind: 'builtin', name: 'lenet' });
  });

  it('refuses a depth the family does not have, at the depth', async () => {
    expect(await problems('{builtin: resnet, depth: 9}')).toEqual(['1:33 model.depth must be one of 8, 14, 20, got 9']);
  });

  it('refuses an option the named model does not take, at its key', async () => {
    expect(await problems('{builtin: mobilenet, depth: 8}')).toEqual([
      '1:29 model.depth applies to builtin: resnet only, not to builtin: mobilenet',
    ]);
    expect(await problems('{builtin: lenet, width: 2}')).toEqual([
      '1:25 model.width applies to builtin: resnet and mobilenet only, not to builtin: lenet',
    ]);
    const file = `model: {path: m.json, depth: 8}\nstages: [{name: a, remove: [{param: kernel}]}]\n`;
    expect(await recipeProblems(() => loadRecipeText(file, 'r.yaml'))).toContain(
      '1:23 model.depth applies to builtin: resnet only, not to a model file, which has its own architecture',
    );
  });

  it('refuses images or classes the built-in data does not have', async () => {
    expect(await problems('{builtin: resnet, input_shape: [32, 32, 3], classes: 5}')).toEqual([
      '1:39 model.input_shape is [32, 32, 3] but data: builtin mnist has 28×28×1 images (leave input_shape out to take them)',
      '1:61 model.classes is 5 but data: builtin mnist has 10 classes (leave classes out to take them)',
    ]);
  });
});
