/**
 * What of a data source goes into the load-data task's stage cache key beside the files' hashes
 * (the task's inputs): everything that decides which images are used, and nothing about where
 * builtin files were found, so moving them keeps the cache.
 */
import type { DataSource } from './types.js';

export function dataSourceKey(source: DataSource): unknown {
  if (source.kind === 'builtin' && source.name === 'fashion-mnist') {
    return { kind: source.kind, name: source.name, trainSize: source.trainSize, testSize: source.testSize };
  }
  // IDX files are keyed by their paths as well, as before; the built-in MNIST has no paths.
  return source;
}
