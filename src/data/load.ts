/** The one entry point the engine uses: a recipe's data source → a Dataset. */
import { loadFashionMnist } from './fashionMnist.js';
import { loadIdxDataset } from './idxDataset.js';
import { loadMnist } from './mnist.js';
import type { Dataset, DataSource } from './types.js';

export async function loadDataset(source: DataSource, seed: number): Promise<Dataset> {
  switch (source.kind) {
    case 'builtin':
      return source.name === 'mnist' ? loadMnist(source, seed) : loadFashionMnist(source, seed);
    case 'idx':
      return loadIdxDataset(source, seed);
  }
}
