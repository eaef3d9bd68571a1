/**
 * Real IDX files, when Debian's dataset-fashion-mnist is installed (`apt-get install
 * dataset-fashion-mnist`); skipped otherwise. The main IDX tests use tiny fixtures.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const present = existsSync(join(DIR, 'train-images-idx3-ubyte.gz'));

describe.skipIf(!present)('Fashion-MNIST from Debian', () => {
  it('loads gzipped IDX files with caps', async () => {
    const data = await loadDataset(
      {
        kind: 'idx',
        train: { images: join(DIR, 'train-images-idx3-ubyte.gz'), labels: join(DIR, 'train-labels-idx1-ubyte.gz') },
        test: { images: join(DIR, 't10k-images-idx3-ubyte.gz'), labels: join(DIR, 't10k-labels-idx1-ubyte.gz') },
        trainSize: 1000,
        testSize: null,
      },
      1,
    );
    expect(data.imageShape).toEqual([28, 28, 1]);
    expect(data.numClasses).toBe(10);
    expect(data.train.count).toBe(1000);
    expect(data.test.count).toBe(10000);
    expect(data.identity.files).toHaveLength(4);
  });
});
