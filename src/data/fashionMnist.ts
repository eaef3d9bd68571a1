/**
 * The builtin Fashion-MNIST: Zalando's 60,000 training and 10,000 test images of clothing, 28×28
 * grey, 10 classes, read from the IDX files locate.ts found, through the IDX loader.
 */
import path from 'node:path';
import type { RandomStreams } from '../util/random.js';
import { loadIdxDataset } from './idxDataset.js';
import type { Dataset, DataSource } from './types.js';

export type FashionMnistSource = Extract<DataSource, { name: 'fashion-mnist' }>;

export async function loadFashionMnist(source: FashionMnistSource, streams: RandomStreams): Promise<Dataset> {
  const data = await loadIdxDataset(source, streams);
  // Named by file name and content, not by folder: the same files in the cache folder or in
  // Debian's are the same data, on this machine or another, and the stage cache reuses its work.
  const files = data.identity.files.map((file) => ({ path: `fashion-mnist/${path.basename(file.path)}`, sha256: file.sha256 }));
  return { ...data, identity: { source: 'builtin:fashion-mnist', files } };
}
