/**
 * Problem messages and positions for the smaller cases, written inline with loadRecipeText:
 * how ajv's errors are worded, collapsed and located, and the YAML corner cases.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { loadRecipeText } from '../../src/recipe/load.js';

const FILE = 'recipes/inline.yaml';
const STAGES = 'stages:\n  - name: a\n    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}\n';

/** "line:col message" for each problem of a recipe, in the order reported. */
async function problems(text: string, file = FILE): Promise<string[]> {
  const error = await loadRecipeText(text, file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecipeError);
  return (error as RecipeError).problems.map((p) => `${p.at.line}:${p.at.col} ${p.message}`);
}

describe('YAML corner cases', () => {
  it('calls an empty recipe what it is', async () => {
    expect(await problems('')).toEqual(['1:1 the recipe must be a mapping, got nothing']);
    expect(await problems('- a\n- b\n')).toEqual(['1:1 the recipe must be a mapping, got a list']);
  });

  it('reports an unknown tag rather than ignoring it', async () => {
    expect(await problems(`seed: !int 3\nmodel: {builtin: lenet}\n${STAGES}`)).toEqual([
      '1:7 invalid YAML: Unresolved tag: !int',
    ]);
  });

  it('reports every YAML problem, not only the first', async () => {
    expect(await problems('model: {builtin: lenet}\nmodel: {builtin: lenet}\nstages: []\nstages: []\n')).toEqual([
      '2:1 duplicate key "model": a key may appear only once in a mapping',
      '4:1 duplicate key "stages": a key may appear only once in a mapping',
    ]);
  });

  it('refuses keys that are lists or mappings, and extra documents', async () => {
    expect(await problems(`[a, b]: 1\nmodel: {builtin: lenet}\n${STAGES}`)).toEqual([
      '1:1 a key must be a plain name, not a list or a mapping',
    ]);
    expect(await problems(`model: {builtin: lenet}\n---\n${STAGES}`)).toEqual([
      '2:1 a recipe is a single YAML document: remove this "---" and what follows, or merge it',
    ]);
  });

  it('points at the key when a value is empty', async () => {
    expect(await problems(`model:\n${STAGES}`)).toEqual(['1:1 model must be a mapping, got nothing']);
  });

  it('locates values reached through an alias at the anchored text', async () => {
    const text =
      'model: {builtin: lenet}\n' +
      'stages:\n' +
      '  - name: a\n' +
      '    global: &step {method: l1_unstructured, amount: 2, select: [{param: kernel}]}\n' +
      '  - name: b\n' +
      '    global: *step\n';
    expect(await problems(text)).toEqual([
      '4:53 stages[0].global.amount must be a fraction in [0, 1], got 2 (to prune 2 entries, write count: 2)',
      '4:53 stages[1].global.amount must be a fraction in [0, 1], got 2 (to prune 2 entries, write count: 2)',
    ]);
  });
});

describe('schema messages', () => {
  it('reports a wrong type once, not also as out of range', async () => {
    expect(await problems(`model: {builtin: lenet}\ndata: {builtin: mnist}\ntrain: {epochs: -1.5}\n${STAGES}`)).toEqual([
      '3:17 train.epochs must be an integer in [0, 10000], got -1.5',
    ]);
  });

  it('says a mapping or list was expected in words', async () => {
    expect(await problems('model: lenet\nstages: {a: 1}\n')).toEqual([
      '1:8 model must be a mapping, got "lenet"',
      '2:9 stages must be a list, got a mapping',
    ]);
  });

  it('reports a missing top-level key at the start of the recipe', async () => {
    expect(await problems('# comment\n\nseed: 1\nmodel: {builtin: lenet}\n')).toEqual([
      '3:1 the recipe is missing the required key "stages"',
    ]);
  });

  it('reports neither of an exactly-one-of pair at the mapping', async () => {
    expect(await problems(`model: {}\n${STAGES}`)).toEqual([
      '1:8 model needs one of "builtin" or "path" or "onnx" (builtin: lenet, resnet or mobilenet, path: to a TF.js model.json, or onnx: to a model exported from torch)',
    ]);
    expect(
      await problems('model: {builtin: lenet}\nstages:\n  - name: a\n    global: {method: l1_unstructured, select: [{param: k}]}\n'),
    ).toEqual([
      '4:13 stages[0].global needs one of "amount" or "count" or "schedule" ' +
        "(amount is a fraction of the entries, from 0 to 1; count is a number of entries; schedule prunes step by step during the stage's training)",
    ]);
  });

  it('rejects a negative amount without suggesting count', async () => {
    const text =
      'model: {builtin: lenet}\nstages:\n  - name: a\n' +
      '    global: {method: l1_unstructured, amount: -0.1, select: [{param: k}]}\n';
    expect(await problems(text)).toEqual(['4:47 stages[0].global.amount must be a fraction in [0, 1], got -0.1']);
  });

  it('suggests keys despite case, separators and swapped letters', async () => {
    const text = `modle: {builtin: lenet}\nmodel: {builtin: lenet}\ndata: {builtin: mnist, train-size: 10, TestSize: 10}\n${STAGES}`;
    expect(await problems(text)).toEqual([
      '1:1 unknown key "modle" at the top level (did you mean "model"?)',
      '3:24 unknown key "train-size" in data (did you mean "train_size"?)',
      '3:40 unknown key "TestSize" in data (did you mean "test_size"?)',
    ]);
  });

  it('explains layer_type values that are not snake-case names', async () => {
    const text =
      'model: {builtin: lenet}\nstages:\n  - name: a\n    global:\n      method: l1_unstructured\n      amount: 0.1\n' +
      '      select:\n        - {layer_type: [dense, DepthwiseConv2D]}\n        - {layer_type: 3}\n        - {layer_type: []}\n';
    expect(await problems(text)).toEqual([
      '8:32 stages[0].global.select[0].layer_type[1] must be a TF.js layer class name in snake case (Conv2D is conv2d), ' +
        'got "DepthwiseConv2D" (did you mean "depthwise_conv2d"?)',
      '9:24 stages[0].global.select[1].layer_type must be a string or a list, got 3',
      '10:24 stages[0].global.select[2].layer_type must not be empty',
    ]);
  });

  it('requires epochs in train and finetune, and a positive learning rate', async () => {
    const text =
      'model: {builtin: lenet}\ndata: {builtin: mnist}\ntrain: {batch_size: 0}\nstages:\n  - name: a\n' +
      '    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}\n' +
      '    finetune: {learning_rate: 0}\n';
    expect(await problems(text)).toEqual([
      '3:8 train is missing the required key "epochs"',
      '3:21 train.batch_size must be an integer in [1, 4096], got 0',
      '7:15 stages[0].finetune is missing the required key "epochs"',
      '7:31 stages[0].finetune.learning_rate must be a number > 0, got 0',
    ]);
  });

  it('checks the MNIST sum at test_size when it is given', async () => {
    const text = `model: {builtin: lenet}\ndata:\n  builtin: mnist\n  test_size: 3000\n${STAGES}`;
    expect(await problems(text)).toEqual([
      '4:14 data.train_size + data.test_size must be at most 10000 (the built-in mnist has 10000 images), ' +
        'got 8000 (default) + 3000 = 11000',
    ]);
  });
});

describe('files', () => {
  const bad = path.relative(process.cwd(), fileURLToPath(new URL('./fixtures/bad/inline.yaml', import.meta.url)));

  it('points from a model folder to the model.json inside it', async () => {
    expect(await problems(`model: {path: ../good/models/net}\n${STAGES}`, bad)).toEqual([
      '1:15 model file "../good/models/net" is a folder, not a file (did you mean "../good/models/net/model.json"?)',
    ]);
  });

  it('accepts absolute paths and leaves IDX caps unset when not given', async () => {
    const data = fileURLToPath(new URL('./fixtures/good/data/', import.meta.url));
    const text =
      'model: {builtin: lenet}\ndata:\n  idx:\n' +
      `    train: {images: ${data}train-images-idx3-ubyte.gz, labels: ${data}train-labels-idx1-ubyte.gz}\n` +
      `    test: {images: ${data}t10k-images-idx3-ubyte.gz, labels: ${data}t10k-labels-idx1-ubyte.gz}\n` +
      STAGES;
    const recipe = await loadRecipeText(text, bad);
    expect(recipe.data).toMatchObject({ kind: 'idx', trainSize: null, testSize: null });
    expect(recipe.data?.kind === 'idx' && recipe.data.train.images).toBe(`${data}train-images-idx3-ubyte.gz`);
    expect(recipe.report.evaluate).toBe(true);
  });
});
