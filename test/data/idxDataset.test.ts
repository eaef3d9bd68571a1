import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageValues, loadDataset } from '../../src/data/index.js';
import { sha256Hex } from '../../src/util/sha256.js';
import { DataError } from '../../src/errors.js';
import type { DataSource } from '../../src/data/types.js';
import { RandomStreams } from '../../src/util/random.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROWS = 4;
const COLS = 3;
/** Pixel value of fixture image i at (r, c), as written by fixtures/make-fixtures.mjs. */
const pixel = (i: number, r: number, c: number): number => ((i * 50 + r * 20 + c * 7) % 256) / 255;

function source(suffix: string, caps: { trainSize?: number; testSize?: number } = {}): DataSource {
  return {
    kind: 'idx',
    train: { images: join(fixtures, `train-images-idx3-ubyte${suffix}`), labels: join(fixtures, `train-labels-idx1-ubyte${suffix}`) },
    test: { images: join(fixtures, `t10k-images-idx3-ubyte${suffix}`), labels: join(fixtures, `t10k-labels-idx1-ubyte${suffix}`) },
    trainSize: caps.trainSize ?? null,
    testSize: caps.testSize ?? null,
  };
}

/** The fixture image index of each image in a split, found by its first pixel. */
function imageIds(images: Float32Array, count: number): number[] {
  return Array.from({ length: count }, (_, k) => {
    const first = images[k * ROWS * COLS] as number;
    return [0, 1, 2, 3, 4, 5].find((i) => Math.abs(pixel(i, 0, 0) - first) < 1e-6) ?? -1;
  });
}

describe('loadDataset (idx)', () => {
  it('loads raw files in file order, scaled to [0, 1]', async () => {
    const data = await loadDataset(source(''), new RandomStreams(1));
    expect(data.imageShape).toEqual([ROWS, COLS, 1]);
    expect(data.train.count).toBe(6);
    expect(data.test.count).toBe(3);
    expect([...data.train.labels]).toEqual([0, 1, 2, 0, 1, 2]);
    expect([...data.test.labels]).toEqual([3, 1, 0]);
    expect(data.train.images.length).toBe(6 * ROWS * COLS);
    // Kept as bytes (a quarter of float32's memory) and read as byte/255.
    expect(data.train.images).toBeInstanceOf(Uint8Array);
    const values = imageValues(data.train);
    for (let i = 0; i < 6; i++)
      for (let r = 0; r < ROWS; r++)
        for (let c = 0; c < COLS; c++) expect(values[(i * ROWS + r) * COLS + c]).toBeCloseTo(pixel(i, r, c), 6);
  });

  it('computes numClasses from the labels of both files', async () => {
    // Train labels go up to 2, test labels up to 3.
    expect((await loadDataset(source(''), new RandomStreams(1))).numClasses).toBe(4);
  });

  it('loads gzipped files to the same data', async () => {
    const raw = await loadDataset(source(''), new RandomStreams(1));
    const gz = await loadDataset(source('.gz'), new RandomStreams(1));
    expect(gz.train).toEqual(raw.train);
    expect(gz.test).toEqual(raw.test);
  });

  it('records the four files with their sha256', async () => {
    const src = source('.gz');
    const data = await loadDataset(src, new RandomStreams(1));
    if (src.kind !== 'idx') throw new Error('unreachable');
    const paths = [src.train.images, src.train.labels, src.test.images, src.test.labels];
    expect(data.identity.source).toBe('idx');
    expect(data.identity.files).toEqual(
      await Promise.all(paths.map(async (path) => ({ path, sha256: sha256Hex(await readFile(path)) }))),
    );
  });

  it('caps take the first N of a seeded shuffle, the same for the same seed', async () => {
    const a = await loadDataset(source('', { trainSize: 4, testSize: 2 }), new RandomStreams(7));
    const b = await loadDataset(source('', { trainSize: 4, testSize: 2 }), new RandomStreams(7));
    expect(a.train.count).toBe(4);
    expect(a.test.count).toBe(2);
    expect(a).toEqual(b);
    const ids = imageIds(imageValues(a.train), 4);
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((i) => i >= 0)).toBe(true);
    // Labels travel with their images.
    expect([...a.train.labels]).toEqual(ids.map((i) => [0, 1, 2, 0, 1, 2][i]));
  });

  it('different seeds choose differently', async () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const data = await loadDataset(source('', { trainSize: 5 }), new RandomStreams(seed));
      orders.add(imageIds(imageValues(data.train), 5).join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('rejects a cap above the file size or not a positive integer', async () => {
    await expect(loadDataset(source('', { trainSize: 7 }), new RandomStreams(1))).rejects.toThrow('trainSize is 7 but only 6 images are available');
    await expect(loadDataset(source('', { testSize: 0 }), new RandomStreams(1))).rejects.toMatchObject({ code: 'DATA_SIZE' });
    await expect(loadDataset(source('', { testSize: 1.5 }), new RandomStreams(1))).rejects.toThrow(DataError);
  });
});

describe('loadDataset (idx) with malformed files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prune-run-idxds-'));
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
      await copyFile(join(fixtures, name), join(dir, name));
    // 5 labels for 6 train images.
    await writeFile(join(dir, 'five-labels'), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 0, 1, 2, 0, 1]));
    // 2 test images of 3×4 instead of 4×3.
    await writeFile(join(dir, 'wide-images'), new Uint8Array([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 4, ...new Array(36).fill(9)]));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const files = (overrides: Partial<Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', string>>): DataSource => ({
    kind: 'idx',
    train: {
      images: join(dir, overrides.trainImages ?? 'train-images-idx3-ubyte'),
      labels: join(dir, overrides.trainLabels ?? 'train-labels-idx1-ubyte'),
    },
    test: {
      images: join(dir, overrides.testImages ?? 't10k-images-idx3-ubyte'),
      labels: join(dir, overrides.testLabels ?? 't10k-labels-idx1-ubyte'),
    },
    trainSize: null,
    testSize: null,
  });

  it('names swapped images and labels files', async () => {
    const swapped = files({ trainImages: 'train-labels-idx1-ubyte', trainLabels: 'train-images-idx3-ubyte' });
    await expect(loadDataset(swapped, new RandomStreams(1))).rejects.toThrow(
      `${join(dir, 'train-labels-idx1-ubyte')}: expected an images file with 3 dimensions [count, rows, cols], found 1 (is this a labels file?)`,
    );
  });

  it('names both files when counts differ', async () => {
    await expect(loadDataset(files({ trainLabels: 'five-labels' }), new RandomStreams(1))).rejects.toThrow(
      `${join(dir, 'train-images-idx3-ubyte')} holds 6 images but ${join(dir, 'five-labels')} holds 5 labels`,
    );
  });

  it('rejects test images of another size than train images', async () => {
    await expect(loadDataset(files({ testImages: 'wide-images', testLabels: 't10k-labels-idx1-ubyte' }), new RandomStreams(1))).rejects.toThrow(
      /test images are 3×4 but train images .* are 4×3/,
    );
  });

  it('names a missing file', async () => {
    await expect(loadDataset(files({ testLabels: 'nope' }), new RandomStreams(1))).rejects.toMatchObject({
      code: 'DATA_READ',
      message: expect.stringContaining(join(dir, 'nope')),
    });
  });
});
