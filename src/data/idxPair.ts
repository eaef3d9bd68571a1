/**
 * Whether IDX files make a data set, from their headers alone: an images file [count, rows, cols]
 * beside a labels file [count] of the same count, and test images of the train images' size. The
 * check before a run (recipe/dataFiles.ts) and the load (idxDataset.ts) ask the same questions.
 */

/** What names each file of a pair in messages (its path, or how a recipe named it). */
export interface IdxPairNames {
  readonly images: string;
  readonly labels: string;
}

/** A pair's problem, and which of its two files it is blamed on (where a recipe points). */
export interface IdxPairProblem {
  readonly file: 'images' | 'labels';
  readonly message: string;
}

/** The images' [count, rows, cols], once the pair has passed idxPairProblem. */
export type ImageDims = readonly [count: number, rows: number, cols: number];

export function idxPairProblem(names: IdxPairNames, imageDims: readonly number[], labelDims: readonly number[]): IdxPairProblem | null {
  if (imageDims.length !== 3) {
    const hint = imageDims.length === 1 ? ' (is this a labels file?)' : '';
    return { file: 'images', message: `${names.images}: expected an images file with 3 dimensions [count, rows, cols], found ${imageDims.length}${hint}` };
  }
  if (labelDims.length !== 1) {
    const hint = labelDims.length === 3 ? ' (is this an images file?)' : '';
    return { file: 'labels', message: `${names.labels}: expected a labels file with 1 dimension [count], found ${labelDims.length}${hint}` };
  }
  const [count, rows, cols] = imageDims as ImageDims;
  const labelCount = labelDims[0] as number;
  if (count !== labelCount) {
    return { file: 'labels', message: `${names.images} holds ${count} images but ${names.labels} holds ${labelCount} labels` };
  }
  if (count === 0) return { file: 'images', message: `${names.images}: holds no images` };
  if (rows === 0 || cols === 0) return { file: 'images', message: `${names.images}: images are ${rows}×${cols} pixels` };
  return null;
}

/** The test images' problem when their size is not the train images' (both pairs already checked), or null. */
export function idxSplitsProblem(trainImages: string, train: ImageDims, testImages: string, test: ImageDims): string | null {
  if (train[1] === test[1] && train[2] === test[2]) return null;
  return `${testImages}: test images are ${test[1]}×${test[2]} but train images (${trainImages}) are ${train[1]}×${train[2]}`;
}
