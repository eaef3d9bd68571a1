import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { gzipBomb, idxHeader, mkfifo } from '../helpers/badFiles.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { sha256Hex } from '../../src/util/sha256.js';
import { parseIdx } from '../../src/data/idx.js';
import { checkIdxFile, readIdxFile, readIdxHeader } from '../../src/data/idxFile.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** An IDX file: magic [0, 0, type, dims.length], big-endian dims, then the data bytes. */
function idxBytes(type: number, dims: number[], data: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

function expectDataError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DataError);
  expect((caught as DataError).code).toBe('IDX_INVALID');
  expect((caught as DataError).message).toMatch(pattern);
}

describe('parseIdx', () => {
  it('reads dims and data of a labels file', () => {
    const parsed = parseIdx(idxBytes(0x08, [3], [7, 8, 9]), 'x');
    expect(parsed.dims).toEqual([3]);
    expect([...parsed.data]).toEqual([7, 8, 9]);
  });

  it('reads big-endian dims of an images file', () => {
    const parsed = parseIdx(idxBytes(0x08, [1, 2, 300], new Array(600).fill(1)), 'x');
    expect(parsed.dims).toEqual([1, 2, 300]);
    expect(parsed.data.length).toBe(600);
  });

  it('rejects a file that is not IDX, naming the file and the magic', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]);
    expectDataError(() => parseIdx(png, 'pic.png'), /^pic\.png: bad magic number 0x89504e47/);
  });

  it('rejects a header shorter than 4 bytes', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0]), 'f'), /^f: too short/);
  });

  it('rejects element types other than unsigned bytes, naming the type', () => {
    expectDataError(() => parseIdx(idxBytes(0x0d, [1], [0, 0, 0, 0]), 'f'), /float32 values \(magic 0x00000d01\)/);
  });

  it('rejects a header cut off inside the dims', () => {
    const bytes = idxBytes(0x08, [2, 2, 2], []).subarray(0, 10);
    expectDataError(() => parseIdx(bytes, 'f'), /declares 3 dimensions but the file ends after 10 bytes/);
  });

  it('rejects truncated data', () => {
    expectDataError(() => parseIdx(idxBytes(0x08, [2, 2, 2], [1, 2, 3]), 'f'), /truncated: dimensions 2×2×2 need 8 data bytes, found 3/);
  });

  it('rejects trailing bytes', () => {
    expectDataError(() => parseIdx(idxBytes(0x08, [2], [1, 2, 3]), 'f'), /trailing bytes: dimensions 2 need 2 data bytes, found 3/);
  });
});

describe('readIdxFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prune-run-idx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads raw and gzipped fixtures to the same values', async () => {
    const raw = await readIdxFile(join(fixtures, 'train-images-idx3-ubyte'));
    const gz = await readIdxFile(join(fixtures, 'train-images-idx3-ubyte.gz'));
    expect(raw.array.dims).toEqual([6, 4, 3]);
    expect(gz.array.dims).toEqual([6, 4, 3]);
    expect(gz.array.data).toEqual(raw.array.data);
    // Pixel formula from fixtures/make-fixtures.mjs.
    expect(raw.array.data[1 * 12 + 2 * 3 + 1]).toBe((50 + 40 + 7) % 256);
    expect(raw.sha256).not.toBe(gz.sha256);
  });

  it('hashes the bytes as stored', async () => {
    const bytes = gzipSync(idxBytes(0x08, [2], [4, 5]));
    const file = join(dir, 'labels.gz');
    await writeFile(file, bytes);
    expect((await readIdxFile(file)).sha256).toBe(sha256Hex(bytes));
  });

  it('detects gzip by content, not by file name', async () => {
    const file = join(dir, 'no-extension');
    await writeFile(file, gzipSync(idxBytes(0x08, [2], [4, 5])));
    expect([...(await readIdxFile(file)).array.data]).toEqual([4, 5]);
  });

  it('names the file when a gzip stream is corrupt', async () => {
    const file = join(dir, 'broken.gz');
    const bytes = gzipSync(idxBytes(0x08, [100], new Array(100).fill(3)));
    await writeFile(file, bytes.subarray(0, bytes.length - 12));
    await expect(readIdxFile(file)).rejects.toThrow(DataError);
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: starts like gzip but cannot be decompressed`);
  });

  it('names the file when a gzipped file has a bad header', async () => {
    const file = join(dir, 'bad.gz');
    await writeFile(file, gzipSync(new Uint8Array([1, 2, 3, 4, 5])));
    await expect(readIdxFile(file)).rejects.toThrow(`${file}: bad magic number 0x01020304`);
  });

  it('names a missing file', async () => {
    const file = join(dir, 'missing');
    await expect(readIdxFile(file)).rejects.toMatchObject({ code: 'DATA_READ', message: expect.stringContaining(file) });
  });

  it('refuses a FIFO at once, as not a regular file (a read would wait for a writer forever)', async () => {
    const file = join(dir, 'pipe');
    mkfifo(file);
    await expect(readIdxFile(file)).rejects.toMatchObject({ code: 'DATA_READ', message: `${file} is a FIFO (named pipe), not a regular file` });
  });

  it('names the file as the caller labels it', async () => {
    const file = join(dir, 'png');
    await writeFile(file, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
    await expect(checkIdxFile(file, 'train images file "x"')).rejects.toThrow(/^train images file "x": bad magic number 0x89504e47/);
  });
});

describe('gzipped IDX files are inflated as a stream, within what the header declares', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prune-run-idx-gz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops a bomb past the declared size: checkIdxFile and readIdxFile alike', async () => {
    const file = join(dir, 'bomb.gz');
    await gzipBomb(file, idxHeader([100, 10, 10]), 64 * 1024 * 1024);
    const message = `${file}: decompresses to more data than its header declares (dimensions 100×10×10 need 10000 data bytes); stopped reading there`;
    await expect(checkIdxFile(file)).rejects.toMatchObject({ code: 'IDX_INVALID', message });
    await expect(readIdxFile(file)).rejects.toMatchObject({ code: 'IDX_INVALID', message });
  });

  it('readIdxHeader inflates only until the header is known', async () => {
    const file = join(dir, 'labels-bomb.gz');
    await gzipBomb(file, idxHeader([42]), 64 * 1024 * 1024);
    expect((await readIdxHeader(file)).dims).toEqual([42]);
  });

  it('checkIdxFile gives the header of a good file, plain or gzipped, and refuses a truncated one', async () => {
    const bytes = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
    await writeFile(join(dir, 'plain'), bytes);
    await writeFile(join(dir, 'packed.gz'), gzipSync(bytes));
    expect(await checkIdxFile(join(dir, 'plain'))).toEqual({ dims: [2, 3], headerBytes: 12, dataBytes: 6 });
    expect(await checkIdxFile(join(dir, 'packed.gz'))).toEqual({ dims: [2, 3], headerBytes: 12, dataBytes: 6 });
    await writeFile(join(dir, 'short.gz'), gzipSync(bytes.subarray(0, 15)));
    await expect(checkIdxFile(join(dir, 'short.gz'))).rejects.toThrow(/truncated: dimensions 2×3 need 6 data bytes, found 3/);
  });

  it('refuses a header declaring more than MAX_IDX_DATA_BYTES from the header alone', async () => {
    const file = join(dir, 'huge');
    await writeFile(file, idxHeader([70_000, 70_000]));
    await expect(checkIdxFile(file)).rejects.toThrow(/its header declares dimensions 70000×70000, 4,900,000,000 bytes \(4\.6 GiB\) of data, more than the 268,435,456 bytes \(256 MiB\)/);
  });
});
