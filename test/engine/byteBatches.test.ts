/**
 * Byte pixels (IDX data) from file to batch: the split holds the file's own bytes in shared memory
 * (no copy per split), and a batch built from them holds what the float split of before held,
 * Math.fround(byte / 255), computed here straight from the file's bytes, not through the table
 * the code uses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, syntheticDataset, type Dataset, type Split } from '../../src/data/index.js';
import { seededRows } from '../../src/data/split.js';
import { makeBatch } from '../../src/engine/batches.js';
import { sharedSplit } from '../../src/engine/parallel/sharedSplit.js';
import { RandomStreams, SeededRandom } from '../../src/util/random.js';

const ROWS = 5;
const COLS = 4;
const PIXELS = ROWS * COLS;
const TRAIN = 50;
const TEST = 10;

/** An IDX file of bytes: magic [0, 0, 8, dims], big-endian sizes, the data. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((size, d) => header.writeUInt32BE(size, 4 + 4 * d));
  return Buffer.concat([header, data]);
}

/** Seeded bytes covering 0..255 (every level is used). */
function bytes(count: number, random: SeededRandom): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = i < 256 ? i : Math.floor(random.nextFloat() * 256);
  return out;
}

/** Image `row` of raw bytes as floats, as the float splits before bytes held it. */
function expectedImage(raw: Uint8Array, row: number): number[] {
  return Array.from(raw.subarray(row * PIXELS, (row + 1) * PIXELS), (b) => Math.fround(b / 255));
}

describe('batches of byte (IDX) pixels', () => {
  let dir: string;
  const random = new SeededRandom(3);
  const raw = { trainImages: bytes(TRAIN * PIXELS, random), trainLabels: new Uint8Array(TRAIN), testImages: bytes(TEST * PIXELS, random), testLabels: new Uint8Array(TEST) };
  raw.trainLabels.forEach((_, i) => (raw.trainLabels[i] = (i * 7) % 10));
  raw.testLabels.forEach((_, i) => (raw.testLabels[i] = (i * 3) % 10));
  const source = (trainSize: number | null) => ({
    kind: 'idx' as const,
    train: { images: join(dir, 'train-images'), labels: join(dir, 'train-labels') },
    test: { images: join(dir, 'test-images'), labels: join(dir, 'test-labels') },
    trainSize,
    testSize: null,
  });
  let data: Dataset;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prune-run-bytes-'));
    await writeFile(join(dir, 'train-images'), idx([TRAIN, ROWS, COLS], raw.trainImages));
    await writeFile(join(dir, 'train-labels'), idx([TRAIN], raw.trainLabels));
    await writeFile(join(dir, 'test-images'), idx([TEST, ROWS, COLS], raw.testImages));
    await writeFile(join(dir, 'test-labels'), idx([TEST], raw.testLabels));
    data = await loadDataset(source(null), new RandomStreams(1));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds all of a file as its own bytes in shared memory, its one copy', () => {
    for (const [split, images, labels] of [
      [data.train, raw.trainImages, raw.trainLabels],
      [data.test, raw.testImages, raw.testLabels],
    ] as const) {
      expect(split.images).toBeInstanceOf(Uint8Array);
      expect(split.images.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(split.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
      // The file's data, all of the buffer: nothing was read into one array and copied to another.
      expect(split.images.byteLength).toBe(split.images.buffer.byteLength);
      expect(Buffer.from(split.images).equals(Buffer.from(images))).toBe(true);
      expect([...split.labels]).toEqual([...labels]);
    }
    // Shared already, so training's worker gets these very buffers.
    expect(sharedSplit(data.train)).toBe(data.train);
  });

  it('builds each batch of a shuffled order with fround(byte / 255) and the image\'s label, the last one short', () => {
    const order = new SeededRandom(9).permutation(TRAIN);
    const tensorsBefore = tf.memory().numTensors;
    for (const start of [0, 16, 32, 48]) {
      const batch = makeBatch(data.train, [ROWS, COLS, 1], order, start, 16);
      const size = Math.min(16, TRAIN - start);
      expect(batch.size).toBe(size);
      expect(batch.images.shape).toEqual([size, ROWS, COLS, 1]);
      const rows = Array.from(order.subarray(start, start + size));
      expect(Array.from(batch.images.dataSync())).toEqual(rows.flatMap((row) => expectedImage(raw.trainImages, row)));
      expect(Array.from(batch.labels.dataSync())).toEqual(rows.map((row) => raw.trainLabels[row]));
      tf.dispose([batch.images, batch.labels]);
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('takes a capped split\'s images from the file\'s rows, a copy of those alone, and batches them the same way', async () => {
    const capped = await loadDataset(source(12), new RandomStreams(5));
    const rows = Array.from(seededRows(TRAIN, 12, new RandomStreams(5), 'data-train'));
    expect(capped.train.count).toBe(12);
    expect(capped.train.images.length).toBe(12 * PIXELS);
    expect(capped.train.images.buffer).toBeInstanceOf(SharedArrayBuffer);
    const batch = makeBatch(capped.train, [ROWS, COLS, 1], null, 0, 12);
    expect(Array.from(batch.images.dataSync())).toEqual(rows.flatMap((row) => expectedImage(raw.trainImages, row)));
    expect(Array.from(batch.labels.dataSync())).toEqual(rows.map((row) => raw.trainLabels[row]));
    tf.dispose([batch.images, batch.labels]);
  });
});

describe('sharedSplit', () => {
  it('copies a float split into shared memory once, and gives that copy again for the same split', () => {
    const { train } = syntheticDataset({ trainCount: 4, testCount: 1, seed: 1, imageShape: [3, 3, 1] });
    const shared: Split = sharedSplit(train);
    expect(shared).not.toBe(train);
    expect(shared.images.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.levels).toBeNull();
    expect(Array.from(shared.images)).toEqual(Array.from(train.images));
    expect([...shared.labels]).toEqual([...train.labels]);
    expect(sharedSplit(train)).toBe(shared);
  });
});
