/** Public surface of src/data: load a recipe's data, or make synthetic data for tests. */
export { loadDataset } from './load.js';
export { syntheticDataset, type SyntheticOptions } from './synthetic.js';
export { dataSourceKey } from './cacheKey.js';
export {
  defaultFolders,
  locateFashionMnist,
  DEBIAN_FASHION_MNIST,
  FASHION_MNIST_FILES,
  type DataLocations,
  type FoundFiles,
  type LocatedDataName,
  type Location,
} from './locate.js';
export { copyImage, imageValues } from './pixels.js';
export { headOf } from './split.js';
export { MAX_IDX_DATA_BYTES, parseIdx, type IdxArray, type IdxFile, type IdxHeader } from './idx.js';
export { checkIdxFile, readIdxFile, readIdxHeader } from './idxFile.js';
export type { ByteSplit, Dataset, DatasetIdentity, DataFileIdentity, DataSource, FloatSplit, IdxFilePair, Split } from './types.js';
