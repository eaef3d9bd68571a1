/**
 * The builtin Fashion-MNIST through the whole load path: located, read with the IDX loader, capped,
 * and named by its files' content. Tiny IDX fixtures stand in for it under its file names; the
 * real files are loaded too when Debian's dataset-fashion-mnist is installed (skipped otherwise).
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingImageCount } from '../../src/data/idxFile.js';
import { dataSourceKey, DEBIAN_FASHION_MNIST, imageValues, loadDataset, locateFashionMnist, type DataSource, type FoundFiles } from '../../src/data/index.js';
import { RandomStreams } from '../../src/util/random.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'prune-run-fashion-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function standIn(name: string): Promise<FoundFiles> {
  const folder = path.join(root, name);
  await mkdir(folder, { recursive: true });
  for (const file of NAMES) await copyFile(path.join(FIXTURES, `${file}.gz`), path.join(folder, `${file}.gz`));
  const location = await locateFashionMnist({ searched: [folder] });
  if (!location.found) throw new Error(location.advice);
  return location.files;
}

function source(files: FoundFiles, trainSize: number | null, testSize: number | null): DataSource {
  return { kind: 'builtin', name: 'fashion-mnist', ...files, trainSize, testSize };
}

describe('builtin fashion-mnist', () => {
  it('loads every image of the located files, in file order, scaled to [0, 1]', async () => {
    const data = await loadDataset(source(await standIn('a'), null, null), new RandomStreams(7));
    // The fixtures: 6 train and 3 test images of 4×3 pixels; labels 0,1,2,0,1,2 and 3,1,0.
    expect(data.train.count).toBe(6);
    expect(data.test.count).toBe(3);
    expect(data.imageShape).toEqual([4, 3, 1]);
    expect(data.numClasses).toBe(4);
    expect([...data.train.labels]).toEqual([0, 1, 2, 0, 1, 2]);
    // Image 1, pixel (0, 1): (1·50 + 0·20 + 1·7) % 256 = 57.
    expect(data.train.images[12 + 1]).toBe(57);
    expect(imageValues(data.train)[12 + 1]).toBe(Math.fround(57 / 255));
  });

  it('caps train and test like IDX data: the first N after a seeded shuffle', async () => {
    const files = await standIn('b');
    const capped = await loadDataset(source(files, 4, 2), new RandomStreams(7));
    expect([capped.train.count, capped.test.count]).toEqual([4, 2]);
    const again = await loadDataset(source(files, 4, 2), new RandomStreams(7));
    expect(again.train.labels).toEqual(capped.train.labels);
    await expect(loadDataset(source(files, 7, null), new RandomStreams(7))).rejects.toThrow('trainSize is 7 but only 6 images are available');
  });

  it('is named by its files, not by the folder they were found in', async () => {
    const [first, second] = [await standIn('c'), await standIn('d')];
    const [one, other] = [await loadDataset(source(first, null, 2), new RandomStreams(1)), await loadDataset(source(second, null, 2), new RandomStreams(1))];
    expect(one.identity.source).toBe('builtin:fashion-mnist');
    expect(one.identity.files.map((f) => f.path)).toEqual(NAMES.map((n) => `fashion-mnist/${n}.gz`));
    expect(other.identity).toEqual(one.identity);
    // The stage cache's key: the same for both folders, and still told apart by the caps.
    expect(dataSourceKey(source(second, null, 2))).toEqual(dataSourceKey(source(first, null, 2)));
    expect(dataSourceKey(source(first, null, 3))).not.toEqual(dataSourceKey(source(first, null, 2)));
  });
});

describe.skipIf(!existsSync(path.join(DEBIAN_FASHION_MNIST, 'train-images-idx3-ubyte.gz')))('Fashion-MNIST from Debian', () => {
  it('is located and loaded as 60,000 train / 10,000 test images', async () => {
    const location = await locateFashionMnist({ searched: [DEBIAN_FASHION_MNIST] });
    if (!location.found) throw new Error(location.advice);
    expect(await trainingImageCount(source(location.files, null, null))).toBe(60_000);
    const data = await loadDataset(source(location.files, 1000, null), new RandomStreams(1));
    expect(data.imageShape).toEqual([28, 28, 1]);
    expect(data.numClasses).toBe(10);
    expect(data.train.count).toBe(1000);
    expect(data.test.count).toBe(10000);
    expect(data.identity.files).toHaveLength(4);
  });
});
