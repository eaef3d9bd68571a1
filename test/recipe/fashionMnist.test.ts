/**
 * A recipe with data: {builtin: fashion-mnist}: its files are located while the recipe loads, so
 * that missing files are a problem at data.builtin among the recipe's others, and the resolved
 * recipe names the files found. The folders searched are the test's own.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'data', 'fixtures');
const NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const STAGES = 'stages:\n  - name: s\n    targets:\n      - { select: { layer: fc1, param: kernel }, method: l1_unstructured, amount: 0.5 }\n';

let root: string;
let folder: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'prune-run-recipe-fashion-'));
  folder = path.join(root, 'fashion');
  await mkdir(folder);
  for (const name of NAMES) await copyFile(path.join(FIXTURES, name), path.join(folder, name));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('data: {builtin: fashion-mnist}', () => {
  it('resolves to the files in the folder found, with optional caps', async () => {
    const text = `model: {builtin: lenet}\ndata:\n  builtin: fashion-mnist\n  test_size: 2\n${STAGES}`;
    const recipe = await loadRecipeText(text, path.join(root, 'r.yaml'), { dataLocations: { configured: { 'fashion-mnist': folder }, searched: [] } });
    expect(recipe.data).toEqual({
      kind: 'builtin',
      name: 'fashion-mnist',
      folder,
      train: { images: path.join(folder, NAMES[0]!), labels: path.join(folder, NAMES[1]!) },
      test: { images: path.join(folder, NAMES[2]!), labels: path.join(folder, NAMES[3]!) },
      trainSize: null,
      testSize: 2,
    });
  });

  it('missing everywhere is a problem at data.builtin with the advice, among the recipe\'s others', async () => {
    const text = `model: {builtin: lenet}\ndata:\n  builtin: fashion-mnist\n  train_size: 0\n${STAGES}`;
    const nowhere = path.join(root, 'nowhere');
    const problems = await recipeProblems(() => loadRecipeText(text, path.join(root, 'r.yaml'), { dataLocations: { searched: [nowhere] } }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(
      `3:12 Fashion-MNIST's files were not found; looked in ${nowhere} (no such folder). ` +
        'Get them with `sudo apt-get install dataset-fashion-mnist` (Debian, Ubuntu), or put the four files ' +
        `${NAMES.join(', ')} (each may be gzipped, .gz) from https://github.com/zalandoresearch/fashion-mnist into ${nowhere}, ` +
        'or name their folder in the project config: datasets: {fashion-mnist: <folder>}',
    );
    expect(problems[1]).toMatch(/^4:15 /);
  });
});
