import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { countIdxValues } from '../../src/data/idxFile.js';
import { idxImageShape, imagesFit, labelsPastOutputs } from '../../src/data/modelFit.js';
import { idxFile } from '../helpers/badFiles.js';
import { makeTempDir, removeDir } from '../helpers/cli.js';

/** Counts of a list of byte values, as countIdxValues gives them. */
function countsOf(values: readonly number[]): number[] {
  const counts = new Array<number>(256).fill(0);
  for (const v of values) counts[v]! += 1;
  return counts;
}

describe('labelsPastOutputs', () => {
  it('is null when every label is below the output count, however few classes the data has', () => {
    expect(labelsPastOutputs(countsOf([0, 1, 2, 9]), 10)).toBeNull();
    expect(labelsPastOutputs(countsOf([0, 0, 0]), 10)).toBeNull();
  });

  it('counts the labels at or past the output count and gives the largest', () => {
    expect(labelsPastOutputs(countsOf([0, 10, 12, 3, 12]), 10)).toEqual({ count: 3, total: 5, largest: 12 });
    expect(labelsPastOutputs(countsOf([4]), 4)).toEqual({ count: 1, total: 1, largest: 4 });
  });
});

describe('imagesFit', () => {
  it('compares every axis, channels included', () => {
    expect(imagesFit([28, 28, 1], idxImageShape(28, 28))).toBe(true);
    expect(imagesFit([32, 32, 1], idxImageShape(28, 28))).toBe(false);
    expect(imagesFit([28, 28, 3], idxImageShape(28, 28))).toBe(false);
    expect(imagesFit([28, 28], idxImageShape(28, 28))).toBe(false);
    expect(imagesFit([4, 3, 1], idxImageShape(3, 4))).toBe(false);
  });
});

describe('countIdxValues', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  // 200,000 labels: more than one 64 KiB piece of a plain file, and many gzip chunks.
  const values = Array.from({ length: 200_000 }, (_, i) => (i * 7) % 13);

  it('counts a plain labels file by value, piece by piece', async () => {
    const file = path.join(dir, 'plain.idx');
    await writeFile(file, idxFile([values.length], Uint8Array.from(values)));
    const { header, counts } = await countIdxValues(file);
    expect(header.dims).toEqual([values.length]);
    expect(counts).toEqual(countsOf(values));
  });

  it('counts a gzipped one the same', async () => {
    const file = path.join(dir, 'zipped.idx.gz');
    await writeFile(file, gzipSync(idxFile([values.length], Uint8Array.from(values))));
    expect((await countIdxValues(file)).counts).toEqual(countsOf(values));
  });

  it('keeps checkIdxFile\'s checks: a truncated file is refused, naming it', async () => {
    const file = path.join(dir, 'short.idx');
    await writeFile(file, idxFile([10], new Uint8Array(10)).subarray(0, 12));
    const error: unknown = await countIdxValues(file, 'labels "short.idx"').then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/^labels "short\.idx": truncated/);
  });
});
