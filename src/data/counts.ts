/**
 * How many training images a recipe's data has, without loading the images: the planner lays
 * schedules out on the real number of steps per epoch, so it needs this before any run starts.
 */
import type { DataSource } from './types.js';
import { readIdxFile } from './idx.js';

export async function trainingImageCount(data: DataSource): Promise<number> {
  if (data.kind === 'builtin' && data.name === 'mnist') return data.trainSize;
  if (data.trainSize !== null) return data.trainSize;
  // The label file is the small one of the pair; its first dimension is the image count.
  const labels = await readIdxFile(data.train.labels);
  return labels.array.dims[0] ?? 0;
}
