/**
 * What of a data source goes into the load-data task's stage cache key beside the files' hashes
 * (the task's inputs): everything that decides which images are used, and nothing about where the
 * files are, so moving them keeps the cache.
 */
import type { DataSource } from './types.js';

export function dataSourceKey(source: DataSource): unknown {
  if (source.kind === 'builtin' && source.name === 'fashion-mnist') {
    return { kind: source.kind, name: source.name, trainSize: source.trainSize, testSize: source.testSize };
  }
  if (source.kind === 'idx') {
    // What is in the files comes through the task's inputs (their hashes, in a fixed order).
    const { train: _train, test: _test, ...sizes } = source;
    return sizes;
  }
  return source;
}
