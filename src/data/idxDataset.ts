/**
 * A data set from four IDX files (train/test × images/labels), such as MNIST or Fashion-MNIST as
 * distributed. Everything about the files is checked before any training starts, so a wrong path
 * or a swapped images/labels pair fails at once with the file named.
 */
import { DataError } from '../errors.js';
import { readIdxFile, type IdxFile } from './idx.js';
import { allRows, checkSize, gatherSplit, seededRows } from './split.js';
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
  const imageDims = images.array.dims;
  const labelDims = labels.array.dims;
  if (imageDims.length !== 3) {
    const hint = imageDims.length === 1 ? ' (is this a labels file?)' : '';
    throw new DataError(
      'IDX_INVALID',
      `${pair.images}: expected an images file with 3 dimensions [count, rows, cols], found ${imageDims.length}${hint}`,
    );
  }
  if (labelDims.length !== 1) {
    const hint = labelDims.length === 3 ? ' (is this an images file?)' : '';
    throw new DataError(
      'IDX_INVALID',
      `${pair.labels}: expected a labels file with 1 dimension [count], found ${labelDims.length}${hint}`,
    );
  }
  const [count, rows, cols] = imageDims as [number, number, number];
  const labelCount = labelDims[0] as number;
  if (count !== labelCount) {
    throw new DataError(
      'IDX_INVALID',
      `${pair.images} holds ${count} images but ${pair.labels} holds ${labelCount} labels`,
    );
  }
  if (count === 0) throw new DataError('IDX_INVALID', `${pair.images}: holds no images`);
  if (rows === 0 || cols === 0) {
    throw new DataError('IDX_INVALID', `${pair.images}: images are ${rows}×${cols} pixels`);
  }
  return { images: images.array.data, labels: labels.array.data, count, rows, cols };
}

function maxLabel(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) > max) max = labels[i] as number;
  return max;
}

function takeSplit(what: 'trainSize' | 'testSize', pair: CheckedPair, cap: number | null, seed: number): Split {
  let rows: Uint32Array;
  if (cap === null) {
    rows = allRows(pair.count);
  } else {
    checkSize(what, cap, pair.count);
    rows = seededRows(pair.count, cap, seed, what === 'trainSize' ? 'data-train' : 'data-test');
  }
  return gatherSplit(pair.images, pair.labels, rows, pair.rows * pair.cols);
}

export async function loadIdxDataset(source: IdxSource, seed: number): Promise<Dataset> {
  const paths = [source.train.images, source.train.labels, source.test.images, source.test.labels];
  const [trainImages, trainLabels, testImages, testLabels] = (await Promise.all(paths.map(readIdxFile))) as [
    IdxFile,
    IdxFile,
    IdxFile,
    IdxFile,
  ];
  const train = checkPair(source.train, trainImages, trainLabels);
  const test = checkPair(source.test, testImages, testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      'IDX_INVALID',
      `${source.test.images}: test images are ${test.rows}×${test.cols} but train images (${source.train.images}) are ${train.rows}×${train.cols}`,
    );
  }
  // Taken from every label in both files, not only the chosen ones, so a cap never changes the
  // model's output size.
  const numClasses = Math.max(maxLabel(train.labels), maxLabel(test.labels)) + 1;
  const files = [trainImages, trainLabels, testImages, testLabels].map((f, i) => ({
    path: paths[i] as string,
    sha256: f.sha256,
  }));
  return {
    train: takeSplit('trainSize', train, source.trainSize, seed),
    test: takeSplit('testSize', test, source.testSize, seed),
    imageShape: [train.rows, train.cols, 1],
    numClasses,
    identity: { source: 'idx', files },
  };
}
