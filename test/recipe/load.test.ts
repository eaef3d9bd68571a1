/**
 * loadRecipe end to end on fixture files: every class of bad input gets located problems (exact
 * line and column), all problems of a recipe come together, and good recipes resolve with their
 * defaults. No TF.js here: the recipe step only reads YAML and checks that files exist.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RecipeError, UsageError } from '../../src/errors.js';
import { loadRecipe } from '../../src/recipe/load.js';

/** A fixture's path relative to the working directory, as a user would type it. */
function fixture(name: string): string {
  return path.relative(process.cwd(), fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
}

interface Reported {
  line: number;
  col: number;
  message: string;
}

/** The problems loading a fixture reports; checks that each names the file as it was given. */
async function problemsOf(name: string): Promise<Reported[]> {
  const file = fixture(name);
  const error = await loadRecipe(file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecipeError);
  const problems = (error as RecipeError).problems;
  for (const p of problems) expect(p.at.file).toBe(file);
  return problems.map((p) => ({ line: p.at.line, col: p.at.col, message: p.message }));
}

const FRACTION_OR_COUNT =
  "amount is a fraction of the entries, from 0 to 1; count is a number of entries; schedule prunes step by step during the stage's training";
const NO_DATA = 'needs data, but the recipe has no data section (add one, e.g. data: {builtin: mnist})';

describe('loadRecipe: bad recipes', () => {
  it('reports a YAML syntax error at the parser position', async () => {
    expect(await problemsOf('bad/syntax.yaml')).toEqual([
      {
        line: 5,
        col: 3,
        message: 'invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
      },
    ]);
  });

  it('reports a duplicate key at the second occurrence', async () => {
    expect(await problemsOf('bad/duplicate-key.yaml')).toEqual([
      { line: 4, col: 3, message: 'duplicate key "epochs": a key may appear only once in a mapping' },
    ]);
  });

  it('reports wrong types with the value and the expected type', async () => {
    expect(await problemsOf('bad/wrong-type.yaml')).toEqual([
      { line: 1, col: 7, message: 'seed must be an integer in [0, 4294967295], got "forty-two"' },
      { line: 8, col: 15, message: 'stages[0].global.select must be a list, got a mapping' },
    ]);
  });

  it('rejects an amount above 1 and suggests count for a fraction', async () => {
    expect(await problemsOf('bad/amount-fraction.yaml')).toEqual([
      {
        line: 6,
        col: 15,
        message:
          'stages[0].global.amount must be a fraction in [0, 1], got 1.5 (to prune a number of entries, write count: N)',
      },
    ]);
  });

  it('rejects amount: 3 and suggests count: 3', async () => {
    expect(await problemsOf('bad/amount-count.yaml')).toEqual([
      {
        line: 7,
        col: 17,
        message: 'stages[0].targets[0].amount must be a fraction in [0, 1], got 3 (to prune 3 entries, write count: 3)',
      },
    ]);
  });

  it('reports unknown keys at the key, with a suggestion or the allowed keys', async () => {
    expect(await problemsOf('bad/unknown-key.yaml')).toEqual([
      // One mistake, one problem: no extra "missing epochs" for the misspelt epochs.
      { line: 4, col: 3, message: 'unknown key "epoch" in train (did you mean "epochs"?)' },
      {
        line: 5,
        col: 3,
        message: 'unknown key "momentum" in train (allowed: epochs, batch_size, optimizer, learning_rate)',
      },
    ]);
  });

  it('reports a missing required key at the mapping that lacks it', async () => {
    expect(await problemsOf('bad/missing-required.yaml')).toEqual([
      { line: 5, col: 9, message: 'stages[0].targets[0] is missing the required key "method"' },
    ]);
  });

  it('lists the allowed values of an enum', async () => {
    expect(await problemsOf('bad/bad-enum.yaml')).toEqual([
      { line: 5, col: 14, message: 'train.optimizer must be one of sgd, adam, got "adamw" (did you mean "adam"?)' },
    ]);
  });

  it('reports both global and targets once, at the second of them', async () => {
    expect(await problemsOf('bad/global-and-targets.yaml')).toEqual([
      {
        line: 8,
        col: 5,
        message:
          'stages[0] has both "global" and "targets"; give only one ' +
          '(global ranks all selected parameters together; targets prune each parameter on its own)',
      },
    ]);
  });

  it('reports a missing model file at its path', async () => {
    const looked = path.resolve(path.dirname(fixture('bad/x')), 'models/missing/model.json');
    expect(await problemsOf('bad/missing-model-file.yaml')).toEqual([
      {
        line: 2,
        col: 9,
        message: `model file not found: "models/missing/model.json" (looked for ${looked}; relative paths start at the recipe's folder)`,
      },
    ]);
  });

  it('reports a missing IDX file at its path', async () => {
    const given = '../good/data/no-such-labels-idx1-ubyte.gz';
    const looked = path.resolve(path.dirname(fixture('bad/x')), given);
    expect(await problemsOf('bad/missing-idx-file.yaml')).toEqual([
      {
        line: 9,
        col: 15,
        message: `test labels file not found: "${given}" (looked for ${looked}; relative paths start at the recipe's folder)`,
      },
    ]);
  });

  it('reports every request for data when the data section is missing', async () => {
    expect(await problemsOf('bad/data-missing.yaml')).toEqual([
      { line: 3, col: 11, message: `training (train.epochs: 5) ${NO_DATA}` },
      { line: 7, col: 24, message: `fine-tuning (stages[0].finetune.epochs: 1) ${NO_DATA}` },
      // stages[1] fine-tunes for 0 epochs, which needs no data.
      { line: 12, col: 13, message: `evaluation (report.evaluate: true) ${NO_DATA}` },
    ]);
  });

  it('reports a duplicate stage name at the duplicate', async () => {
    expect(await problemsOf('bad/duplicate-stage.yaml')).toEqual([
      {
        line: 7,
        col: 11,
        message: 'duplicate stage name "prune" (stages[0] at line 3 has it already); stage names must be unique',
      },
    ]);
  });

  it('limits the built-in MNIST sizes to 10,000 images, counting defaults', async () => {
    expect(await problemsOf('bad/mnist-too-big.yaml')).toEqual([
      {
        line: 4,
        col: 15,
        message:
          'data.train_size + data.test_size must be at most 10000 (the built-in mnist has 10000 images), ' +
          'got 9000 + 2000 (default) = 11000',
      },
    ]);
  });

  it('reports all problems of a recipe together, sorted by position', async () => {
    const looked = path.resolve(path.dirname(fixture('bad/x')), 'models/none.json');
    expect(await problemsOf('bad/many.yaml')).toEqual([
      { line: 3, col: 7, message: 'seed must be an integer in [0, 4294967295], got -1' },
      { line: 5, col: 12, message: 'model.builtin must be one of lenet, resnet, mobilenet, got "vgg"' },
      {
        line: 6,
        col: 3,
        message: 'model has both "builtin" and "path"; give only one (builtin: lenet, resnet or mobilenet, path: to a TF.js model.json, or onnx: to a model exported from torch)',
      },
      {
        line: 6,
        col: 9,
        message: `model file not found: "models/none.json" (looked for ${looked}; relative paths start at the recipe's folder)`,
      },
      { line: 8, col: 11, message: `training (train.epochs: 2) ${NO_DATA}` },
      { line: 9, col: 3, message: 'unknown key "batchSize" in train (did you mean "batch_size"?)' },
      { line: 15, col: 7, message: `stages[0].global has both "amount" and "count"; give only one (${FRACTION_OR_COUNT})` },
      { line: 16, col: 15, message: 'stages[0].global.select must not be empty' },
      {
        line: 17,
        col: 11,
        message: 'duplicate stage name "first" (stages[0] at line 11 has it already); stage names must be unique',
      },
      {
        line: 19,
        col: 30,
        message:
          'stages[1].targets[0].select.layer_type must be a TF.js layer class name in snake case (Conv2D is conv2d), ' +
          'got "Conv2D" (did you mean "conv2d"?)',
      },
      {
        line: 20,
        col: 17,
        message:
          'stages[1].targets[0].method must be one of identity, l1_unstructured, random_unstructured, ' +
          'ln_structured, random_structured, custom_from_mask, semi_structured, custom, got "magnitude"',
      },
      {
        line: 21,
        col: 17,
        message: 'stages[1].targets[0].amount must be a fraction in [0, 1], got "20%" (for 20%, write 0.2)',
      },
      { line: 22, col: 17, message: 'stages[1].targets[1].select must give at least one of layer_type, layer, param' },
      { line: 24, col: 16, message: 'stages[1].targets[1].count must be an integer ≥ 0, got 1.5' },
      { line: 26, col: 13, message: 'report.evaluate must be true or false, got "yes" (write true or false, unquoted)' },
    ]);
  });

  it('puts every problem in the error message as file:line:col', async () => {
    const file = fixture('bad/amount-count.yaml');
    await expect(loadRecipe(file)).rejects.toThrow(`${file}:7:17: stages[0].targets[0].amount must be a fraction`);
  });

  it('throws a UsageError when the recipe file cannot be read', async () => {
    const file = fixture('bad/no-such-recipe.yaml');
    await expect(loadRecipe(file)).rejects.toThrow(UsageError);
    await expect(loadRecipe(file)).rejects.toThrow(`cannot read recipe ${file}: no such file`);
  });
});

describe('loadRecipe: good recipes', () => {
  it('loads the example recipes shipped in recipes/', async () => {
    const dir = fileURLToPath(new URL('../../recipes/', import.meta.url));
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) await expect(loadRecipe(path.join(dir, f))).resolves.toHaveProperty('stages');
  });

  it('resolves every section, with absolute paths and inherited fine-tuning settings', async () => {
    const file = fixture('good/full.yaml');
    const dir = path.resolve(path.dirname(file));
    const recipe = await loadRecipe(file);
    const at = (line: number, col: number) => ({ file, line, col });

    expect(recipe.file).toBe(path.resolve(file));
    expect(recipe.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recipe.seed).toBe(7);
    expect(recipe.model).toEqual({ kind: 'path', path: path.join(dir, 'models/net/model.json'), at: at(5, 9) });
    expect(recipe.data).toEqual({
      kind: 'idx',
      train: {
        images: path.join(dir, 'data/train-images-idx3-ubyte.gz'),
        labels: path.join(dir, 'data/train-labels-idx1-ubyte.gz'),
      },
      test: {
        images: path.join(dir, 'data/t10k-images-idx3-ubyte.gz'),
        labels: path.join(dir, 'data/t10k-labels-idx1-ubyte.gz'),
      },
      trainSize: null,
      testSize: 500,
    });
    expect(recipe.train).toEqual({ epochs: 3, batchSize: 128, optimizer: 'sgd', learningRate: 0.05 });
    expect(recipe.stages).toEqual([
      {
        name: 'global-20',
        prune: {
          scope: 'global',
          select: [
            { layerType: ['conv2d'], layer: null, param: 'kernel', at: at(24, 11) },
            { layerType: ['dense', 'depthwise_conv2d'], layer: null, param: 'k*', at: at(25, 11) },
          ],
          method: { method: 'l1_unstructured', amount: { amount: 0.2 } },
          maxSparsityPerLayer: null,
          importance: [],
          schedule: null,
          at: at(21, 7),
        },
        fresh: false,
        remove: [],
        // Own learning rate; batch size and optimizer from the recipe's train section.
        finetune: { epochs: 2, batchSize: 128, optimizer: 'sgd', learningRate: 0.01 },
        filters: null,
        repeat: 1,
        rewind: null,
        at: at(19, 5),
      },
      {
        name: 'local',
        prune: {
          scope: 'local',
          targets: [
            {
              select: { layerType: null, layer: 'fc?', param: 'kernel', at: at(31, 17) },
              method: { method: 'random_unstructured', amount: { count: 3 } },
              schedule: null,
              importance: null,
              at: at(31, 9),
              optionsAt: {},
            },
            {
              select: { layerType: null, layer: 'conv1', param: null, at: at(34, 17) },
              method: { method: 'l1_unstructured', amount: { amount: 1 } },
              schedule: null,
              importance: null,
              at: at(34, 9),
              optionsAt: {},
            },
          ],
        },
        fresh: false,
        remove: [],
        finetune: null,
        filters: null,
        repeat: 1,
        rewind: null,
        at: at(29, 5),
      },
    ]);
    expect(recipe.report).toEqual({ evaluate: false, saveModel: false });
  });

  it('fills in the defaults of a minimal recipe', async () => {
    const recipe = await loadRecipe(fixture('good/minimal.yaml'));
    expect(recipe.seed).toBe(0);
    expect(recipe.model).toEqual({ kind: 'builtin', name: 'lenet' });
    expect(recipe.data).toBeNull();
    expect(recipe.train).toBeNull();
    expect(recipe.stages[0]?.finetune).toBeNull();
    // No data: nothing to evaluate on.
    expect(recipe.report).toEqual({ evaluate: false, saveModel: true });
    expect(recipe.export).toEqual({ compact: false, sparse: false, onnx: false, onnxAt: null, compactAt: null });
  });

  it('uses the MNIST and training defaults, and evaluates when data is given', async () => {
    const recipe = await loadRecipe(fixture('good/mnist.yaml'));
    expect(recipe.data).toEqual({ kind: 'builtin', name: 'mnist', trainSize: 8000, testSize: 2000 });
    expect(recipe.train).toEqual({ epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 0.001 });
    expect(recipe.stages.map((s) => s.finetune)).toEqual([
      { epochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.001 },
      null, // epochs: 0
    ]);
    expect(recipe.stages.map((s) => (s.prune.scope === 'local' ? s.prune.targets[0]?.method : null))).toEqual([
      { method: 'l1_unstructured', amount: { amount: 0 } },
      { method: 'l1_unstructured', amount: { count: 0 } },
    ]);
    expect(recipe.report).toEqual({ evaluate: true, saveModel: true });
  });

  it('takes the seed of a recipe that sets none from the options, and a relative path from cwd', async () => {
    const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const recipe = await loadRecipe('good/minimal.yaml', { defaultSeed: 5, cwd: fixtures });
    expect(recipe.seed).toBe(5);
    expect(recipe.file).toBe(path.join(fixtures, 'good/minimal.yaml'));
    expect(recipe.stages[0]?.at.file).toBe('good/minimal.yaml');
    // A seed in the recipe wins.
    expect((await loadRecipe(fixture('good/full.yaml'), { defaultSeed: 5 })).seed).toBe(7);
  });

  it('hashes the exact text and freezes the whole result', async () => {
    const file = fixture('good/full.yaml');
    const recipe = await loadRecipe(file);
    const text = await readFile(file, 'utf8');
    expect(recipe.text).toBe(text);
    expect(recipe.hash).toBe(createHash('sha256').update(text).digest('hex'));
    expect(Object.isFrozen(recipe)).toBe(true);
    expect(Object.isFrozen(recipe.stages)).toBe(true);
    const stage = recipe.stages[0];
    expect(stage !== undefined && stage.prune.scope === 'global' && Object.isFrozen(stage.prune.select[0]?.at)).toBe(true);
    expect(() => {
      (recipe as { seed: number }).seed = 1;
    }).toThrow(TypeError);
  });
});
