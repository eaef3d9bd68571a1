/**
 * The one entry point the engine uses: a recipe's data source → a Dataset, its caps and splits
 * drawn from `streams` (the load-data task's seed).
 */
import type { RandomStreams } from '../util/random.js';
import { loadFashionMnist } from './fashionMnist.js';
import { loadIdxDataset } from './idxDataset.js';
import { loadMnist } from './mnist.js';
import type { Dataset, DataSource } from './types.js';

export async function loadDataset(source: DataSource, streams: RandomStreams): Promise<Dataset> {
  switch (source.kind) {
    case 'builtin':
      return source.name === 'mnist' ? loadMnist(source, streams) : loadFashionMnist(source, streams);
    case 'idx':
      return loadIdxDataset(source, streams);
  }
}
