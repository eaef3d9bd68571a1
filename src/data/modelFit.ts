/**
 * Whether data fits a model, as plain facts: the image shape the model is fed against the one it
 * takes, and the labels against its output count. A label is a class index into the model's
 * output, so every label must be below the output count; a data set with fewer classes than the
 * model has outputs is fine (the outputs no label names are trained towards zero), one with a label
 * at or past the output count is not (there is no output to score it). The check before a run
 * (runner/dataFit.ts) words and locates what these find.
 */
/** IDX images hold one grey value a pixel: [rows, cols, 1] as the model is fed them. */
export function idxImageShape(rows: number, cols: number): readonly [number, number, number] {
  return [rows, cols, 1];
}

/** The shape builtin data (MNIST, Fashion-MNIST) feeds a model: 28×28×1. */
export const BUILTIN_IMAGE_SHAPE: readonly [number, number, number] = [28, 28, 1];
/** Classes of the builtin data sets: labels 0 to 9. */
export const BUILTIN_CLASSES = 10;

/** Whether images of `imageShape` are what a model taking `modelInput` (no batch axis) is fed. */
export function imagesFit(modelInput: readonly number[], imageShape: readonly number[]): boolean {
  return modelInput.length === imageShape.length && modelInput.every((size, i) => size === imageShape[i]);
}

/** The labels of a file that have no output to score them: how many, and the largest label there is. */
export interface LabelsPastOutputs {
  readonly count: number;
  readonly total: number;
  readonly largest: number;
}

/**
 * Given how many labels have each value (`counts[v]`, a labels file counted by countIdxValues),
 * those at or past `outputs`, or null when every label is below it.
 */
export function labelsPastOutputs(counts: readonly number[], outputs: number): LabelsPastOutputs | null {
  let count = 0;
  let total = 0;
  let largest = -1;
  counts.forEach((n, value) => {
    total += n;
    if (n === 0) return;
    largest = value;
    if (value >= outputs) count += n;
  });
  return count === 0 ? null : { count, total, largest };
}
