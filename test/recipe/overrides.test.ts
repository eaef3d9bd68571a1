/**
 * --set path=value: parsing the argument, applying it to the recipe value, locating problems in
 * overridden values at the argument, and the recipe hash with overrides.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RecipeError, UsageError } from '../../src/errors.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { applyOverrides, RecipeOverride, recipeHash } from '../../src/recipe/overrides.js';

const FILE = 'recipes/inline.yaml';
const RECIPE = `seed: 1
model: {builtin: lenet}
data: {builtin: mnist, train_size: 100, test_size: 100}
train: {epochs: 2}
stages:
  - name: a
    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}
`;

const parse = (argument: string) => RecipeOverride.parse(argument);
const apply = (value: unknown, ...argv: string[]) => applyOverrides(value, argv.map(parse));

function usageMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the recipe to be refused');
    },
    (error: unknown) => error,
  );
}

describe('parsing --set arguments', () => {
  it('splits dotted paths and bracketed indices the same way', () => {
    expect(parse('stages.0.global.amount=0.5').path).toEqual(['stages', '0', 'global', 'amount']);
    expect(parse('stages[0].global.amount=0.5').path).toEqual(['stages', '0', 'global', 'amount']);
    // A padded index is the same entry: one path, so one location and one hash.
    expect(parse('stages.00.global.amount=0.5').path).toEqual(['stages', '0', 'global', 'amount']);
    expect(parse('stages[007].x=1').toRecord()).toEqual({ path: 'stages.7.x', value: 1 });
    expect(parse('seed=7').path).toEqual(['seed']);
  });

  it('reads the value as YAML', () => {
    expect(parse('a=0.5').value).toBe(0.5);
    expect(parse('a=7').value).toBe(7);
    expect(parse('a=true').value).toBe(true);
    expect(parse('a=[1,2]').value).toEqual([1, 2]);
    expect(parse('a={epochs: 1, optimizer: sgd}').value).toEqual({ epochs: 1, optimizer: 'sgd' });
    expect(parse('a=sgd').value).toBe('sgd');
    expect(parse('a="0.5"').value).toBe('0.5');
    expect(parse('a=').value).toBeNull();
    // Only the first = separates: the rest belongs to the value.
    expect(parse('a=x=y').value).toBe('x=y');
  });

  it('records the path in dotted form and the parsed value', () => {
    expect(parse('stages[0].global.amount=0.50').toRecord()).toEqual({ path: 'stages.0.global.amount', value: 0.5 });
  });

  it('refuses an argument without =, a malformed path, and a value that is not YAML, naming the argument', () => {
    expect(usageMessage(() => parse('seed'))).toBe('--set seed: expected path=value, e.g. --set stages.0.global.amount=0.5');
    for (const bad of ['=1', '.seed=1', 'a..b=1', 'a.=1', 'a[x]=1', 'a[0]b=1']) {
      expect(usageMessage(() => parse(bad))).toMatch(new RegExp(`^--set ${bad.replace(/[.[\]]/g, '\\$&')}: ".*" is not a recipe path`));
    }
    expect(usageMessage(() => parse('train={epochs: 1'))).toMatch(/^--set train=\{epochs: 1: the value is not valid YAML: /);
    expect(usageMessage(() => parse('a={b: 1, b: 2}'))).toMatch(/^--set a=\{b: 1, b: 2\}: the value is not valid YAML: .*unique/i);
    expect(usageMessage(() => parse('a=!int 3'))).toMatch(/^--set a=!int 3: the value is not valid YAML: /);
  });
});

describe('applying overrides to the recipe value', () => {
  const recipe = () => ({ seed: 1, train: { epochs: 2 }, stages: [{ name: 'a', global: { amount: 0.2 } }] });

  it('replaces values at any depth, through list indices, and leaves the given value alone', () => {
    const original = recipe();
    expect(apply(original, 'stages.0.global.amount=0.5', 'seed=7', 'train={epochs: 1, batch_size: 8}')).toEqual({
      seed: 7,
      train: { epochs: 1, batch_size: 8 },
      stages: [{ name: 'a', global: { amount: 0.5 } }],
    });
    expect(original).toEqual(recipe());
  });

  it('creates keys the recipe leaves out (the schema decides whether they are allowed)', () => {
    expect(apply(recipe(), 'export.compact=true')).toMatchObject({ export: { compact: true } });
    expect(apply(recipe(), 'stages.0.finetune.epochs=1')).toMatchObject({ stages: [{ name: 'a', global: { amount: 0.2 }, finetune: { epochs: 1 } }] });
  });

  it('applies in order: a later override wins where they overlap', () => {
    expect(apply(recipe(), 'seed=2', 'seed=3')).toMatchObject({ seed: 3 });
    expect(apply(recipe(), 'train.epochs=5', 'train={batch_size: 4}')).toMatchObject({ train: { batch_size: 4 } });
  });

  it('refuses an index past the end of a list, a key into a list, and a path through a scalar', () => {
    expect(usageMessage(() => apply(recipe(), 'stages.1.global.amount=0.5'))).toBe(
      '--set stages.1.global.amount=0.5: stages has 1 item, so there is no stages.1 (indices 0 to 0)',
    );
    expect(usageMessage(() => apply({ stages: [] }, 'stages.0=1'))).toBe('--set stages.0=1: stages has 0 items, so there is no stages.0 (it is empty)');
    expect(usageMessage(() => apply(recipe(), 'stages.first.name=b'))).toBe(
      '--set stages.first.name=b: stages is a list: the next part of the path must be an index, got "first"',
    );
    expect(usageMessage(() => apply(recipe(), 'seed.value=3'))).toBe(
      '--set seed.value=3: seed is the number 1, not a mapping or a list, so it has no "value"',
    );
    expect(usageMessage(() => apply(recipe(), 'stages.0.name.x=3'))).toBe(
      '--set stages.0.name.x=3: stages.0.name is the string "a", not a mapping or a list, so it has no "x"',
    );
    expect(usageMessage(() => apply(null, 'seed=3'))).toBe('--set seed=3: the recipe is null (empty), not a mapping or a list, so it has no "seed"');
  });

  it('keeps a key such as __proto__ a plain key instead of changing the object', () => {
    const result = apply({}, '__proto__.polluted=1') as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('recipes with overrides', () => {
  const load = (...argv: string[]) => loadRecipeText(RECIPE, FILE, { overrides: argv.map(parse) });

  it('resolves the overridden values, checked by the schema as if written in the file', async () => {
    const recipe = await load('stages.0.global.amount=0.5', 'train.epochs=1', 'seed=7');
    expect(recipe.seed).toBe(7);
    expect(recipe.train?.epochs).toBe(1);
    expect(recipe.stages[0]?.prune).toMatchObject({ scope: 'global', method: { amount: { amount: 0.5 } } });
    // The text stays the file's: recipe.yaml is written from it.
    expect(recipe.text).toBe(RECIPE);
  });

  it('locates a problem in an overridden value at the --set argument, and others at the recipe', async () => {
    const error = await rejection(load('stages.0.global.amount=1.5'));
    expect(error).toBeInstanceOf(RecipeError);
    expect((error as RecipeError).message).toBe(
      '--set stages.0.global.amount=1.5:1:24: stages[0].global.amount must be a fraction in [0, 1], got 1.5 (to prune a number of entries, write count: N)',
    );

    const both = await rejection(loadRecipeText(RECIPE.replace('epochs: 2', 'epochs: -1'), FILE, { overrides: [parse('seed=x')] }));
    expect((both as RecipeError).problems.map((p) => `${p.at.file}:${p.at.line}:${p.at.col}`)).toEqual(['--set seed=x:1:6', `${FILE}:4:17`]);
  });

  it('points inside a mapping or list value at the part that is wrong', async () => {
    const error = await rejection(load('train={epochs: 1, optimizer: adamw}'));
    expect((error as RecipeError).message).toBe('--set train={epochs: 1, optimizer: adamw}:1:30: train.optimizer must be one of sgd, adam, got "adamw" (did you mean "adam"?)');
  });

  it('points an unknown key created by --set at the argument\'s path', async () => {
    const error = await rejection(load('train.epochz=1'));
    expect((error as RecipeError).message).toBe('--set train.epochz=1:1:7: unknown key "epochz" in train (did you mean "epochs"?)');
  });

  it('locates a selector given by --set that matches nothing at the argument', async () => {
    const recipe = await load('stages.0.global.select=[{layer: conv9}]');
    let error: unknown = null;
    try {
      buildPlan(recipe, LENET_DESCRIPTION);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecipeError);
    expect((error as RecipeError).message).toMatch(/^--set stages\.0\.global\.select=\[\{layer: conv9\}\]:1:25: .*conv9/);
  });

  it('hashes the text alone without overrides, and the text with the overrides otherwise', async () => {
    const plain = await loadRecipeText(RECIPE, FILE);
    expect(plain.hash).toBe(createHash('sha256').update(RECIPE, 'utf8').digest('hex'));
    const half = await load('stages.0.global.amount=0.5');
    const third = await load('stages.0.global.amount=0.3');
    expect(half.hash).not.toBe(plain.hash);
    expect(half.hash).not.toBe(third.hash);
    // As documented: sha256 of the text, a NUL byte, and the overrides' records as JSON.
    const expected = createHash('sha256').update(`${RECIPE}\0[{"path":"stages.0.global.amount","value":0.5}]`, 'utf8').digest('hex');
    expect(half.hash).toBe(expected);
    expect(recipeHash(RECIPE, [parse('stages.0.global.amount=0.5')])).toBe(expected);
    // The hash is of the values: the same value written differently is the same recipe.
    expect((await load('stages[0].global.amount=.5')).hash).toBe(half.hash);
  });
});
