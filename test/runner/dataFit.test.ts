import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { prepareRun } from '../../src/runner/prepare.js';
import { idxFile } from '../helpers/badFiles.js';
import { makeTempDir, removeDir } from '../helpers/cli.js';

const STAGE = 'stages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(async () => {
  await removeDir(dir);
});

/** IDX files of 3 images of `side`² and these labels (train and test alike), a recipe of `model` on them, and its problems. */
async function problemsOf(model: string, options: { side?: number; labels?: number[]; train?: string } = {}): Promise<string[]> {
  const side = options.side ?? 28;
  await writeFile(path.join(dir, 'i.idx'), idxFile([3, side, side]));
  await writeFile(path.join(dir, 'l.idx'), idxFile([3], Uint8Array.from(options.labels ?? [0, 1, 2])));
  const text = `model: ${model}\ndata:\n  idx:\n    train: {images: i.idx, labels: l.idx}\n    test: {images: i.idx, labels: l.idx}\n${options.train ?? 'train: {epochs: 1}\n'}${STAGE}`;
  await writeFile(path.join(dir, 'r.yaml'), text);
  try {
    await prepareRun('r.yaml', { cwd: dir });
    return [];
  } catch (error) {
    if (error instanceof RecipeError) return error.message.split('\n');
    throw error;
  }
}

describe('data checked against the model before a run', () => {
  it('takes labels below the output count, fewer classes than outputs included', async () => {
    expect(await problemsOf('{builtin: lenet}', { labels: [0, 1, 2] })).toEqual([]);
    expect(await problemsOf('{builtin: resnet, depth: 8, classes: 3}', { labels: [0, 1, 2] })).toEqual([]);
  });

  it('refuses a label at the output count at each labels key, train and test', async () => {
    const problems = await problemsOf('{builtin: resnet, depth: 8, classes: 3}', { labels: [0, 3, 1] });
    expect(problems).toEqual([
      expect.stringMatching(/^r\.yaml:4:36: train labels file "l\.idx" holds labels up to 3 \(1 of its 3 labels are 3 or more\), but builtin resnet has 3 outputs \(model\.classes\)/),
      expect.stringMatching(/^r\.yaml:5:35: test labels file "l\.idx" holds labels up to 3/),
    ]);
  });

  it('refuses images of another size at the train images key, saying both shapes', async () => {
    expect(await problemsOf('{builtin: lenet}', { side: 32 })).toEqual([
      'r.yaml:4:21: train images file "i.idx" holds 32×32 images, fed to the model as [32, 32, 1], but builtin lenet takes [28, 28, 1]',
    ]);
  });

  it('refuses grey images for a model of 3 channels, saying so', async () => {
    const [problem] = await problemsOf('{builtin: mobilenet, input_shape: [28, 28, 3]}');
    expect(problem).toMatch(/^r\.yaml:4:21: .*takes \[28, 28, 3\]; IDX images are grey, one channel, and the model takes 3$/);
  });

  it('checks data the recipe names even when nothing trains (--dry-run and resume compile the same)', async () => {
    const problems = await problemsOf('{builtin: lenet}', { side: 32, train: '' });
    expect(problems).toHaveLength(1);
  });
});
