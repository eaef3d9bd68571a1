/**
 * How many training images a recipe's data has, without loading the images: the planner lays
 * schedules out on the real number of steps per epoch, so it needs this before any run starts.
 */
import type { DataSource } from './types.js';
import { readIdxHeader } from './idxFile.js';

export async function trainingImageCount(data: DataSource): Promise<number> {
  if (data.kind === 'builtin' && data.name === 'mnist') return data.trainSize;
  if (data.trainSize !== null) return data.trainSize;
  // The labels' first dimension is the image count; only the header is read (and inflated).
  const labels = await readIdxHeader(data.train.labels);
  return labels.dims[0] ?? 0;
}
