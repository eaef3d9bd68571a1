/**
 * A data set from four IDX files (train/test × images/labels), such as MNIST or Fashion-MNIST as
 * distributed. Everything about the files is checked before any training starts, so a wrong path
 * or a swapped images/labels pair fails at once with the file named.
 */
import { DataError } from '../errors.js';
import type { RandomStreams } from '../util/random.js';
import type { IdxFile } from './idx.js';
import { readIdxFile } from './idxFile.js';
import { idxPairProblem, idxSplitsProblem, type ImageDims } from './idxPair.js';
import { BYTE_TO_UNIT } from './pixels.js';
import { checkSize, gatherSplit, seededRows } from './split.js';
import type { Dataset, IdxFilePair, Split } from './types.js';

export interface IdxSource {
  readonly train: IdxFilePair;
  readonly test: IdxFilePair;
  /** Caps: the first N after a seeded shuffle; null keeps every image in file order. */
  readonly trainSize: number | null;
  readonly testSize: number | null;
}

interface CheckedPair {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

function checkPair(pair: IdxFilePair, images: IdxFile, labels: IdxFile): CheckedPair {
  const problem = idxPairProblem(pair, images.array.dims, labels.array.dims);
  if (problem !== null) throw new DataError('IDX_INVALID', problem.message);
  const [count, rows, cols] = images.array.dims as ImageDims;
  return { images: images.array.data, labels: labels.array.data, count, rows, cols };
}

function maxLabel(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) > max) max = labels[i] as number;
  return max;
}

/**
 * The pair as a split: all of it in file order is the file's own arrays (read into shared memory,
 * idxFile.ts), no copy; a cap copies only the images it takes, so the file's arrays can go.
 */
function takeSplit(what: 'trainSize' | 'testSize', pair: CheckedPair, cap: number | null, streams: RandomStreams): Split {
  const all: Split = { images: pair.images, levels: BYTE_TO_UNIT, labels: pair.labels, count: pair.count };
  if (cap === null) return all;
  checkSize(what, cap, pair.count);
  return gatherSplit(all, seededRows(pair.count, cap, streams, what === 'trainSize' ? 'data-train' : 'data-test'), pair.rows * pair.cols);
}

export async function loadIdxDataset(source: IdxSource, streams: RandomStreams): Promise<Dataset> {
  const paths = [source.train.images, source.train.labels, source.test.images, source.test.labels];
  const [trainImages, trainLabels, testImages, testLabels] = (await Promise.all(paths.map((file) => readIdxFile(file)))) as [
    IdxFile,
    IdxFile,
    IdxFile,
    IdxFile,
  ];
  const train = checkPair(source.train, trainImages, trainLabels);
  const test = checkPair(source.test, testImages, testLabels);
  const mismatch = idxSplitsProblem(source.train.images, [train.count, train.rows, train.cols], source.test.images, [test.count, test.rows, test.cols]);
  if (mismatch !== null) throw new DataError('IDX_INVALID', mismatch);
  // Taken from every label in both files, not only the chosen ones, so a cap never changes the
  // model's output size.
  const numClasses = Math.max(maxLabel(train.labels), maxLabel(test.labels)) + 1;
  const files = [trainImages, trainLabels, testImages, testLabels].map((f, i) => ({
    path: paths[i] as string,
    sha256: f.sha256,
  }));
  return {
    train: takeSplit('trainSize', train, source.trainSize, streams),
    test: takeSplit('testSize', test, source.testSize, streams),
    imageShape: [train.rows, train.cols, 1],
    numClasses,
    identity: { source: 'idx', files },
  };
}
