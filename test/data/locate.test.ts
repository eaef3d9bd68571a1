/**
 * Finding Fashion-MNIST's files: the configured folder first, then the searched folders (the
 * user's cache, Debian's), each given here as temp folders so that no test depends on what this
 * machine has installed; and the advice when they are nowhere.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEBIAN_FASHION_MNIST, defaultFolders, locateFashionMnist } from '../../src/data/locate.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'prune-run-locate-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A folder holding the tiny IDX fixtures under Fashion-MNIST's names (gzipped: `gz` names). */
async function folderWith(name: string, files: readonly string[], gz = false): Promise<string> {
  const folder = path.join(root, name);
  await mkdir(folder, { recursive: true });
  for (const file of files) {
    const stored = gz ? `${file}.gz` : file;
    await copyFile(path.join(FIXTURES, stored), path.join(folder, stored));
  }
  return folder;
}

describe('locateFashionMnist', () => {
  it('takes the folder the project config names before any searched folder', async () => {
    const configured = await folderWith('mine', NAMES);
    const cache = await folderWith('cache', NAMES, true);
    const location = await locateFashionMnist({ configured: { 'fashion-mnist': configured }, searched: [cache] });
    expect(location).toEqual({
      found: true,
      files: {
        folder: configured,
        train: { images: path.join(configured, NAMES[0]!), labels: path.join(configured, NAMES[1]!) },
        test: { images: path.join(configured, NAMES[2]!), labels: path.join(configured, NAMES[3]!) },
      },
    });
  });

  it('finds them in the cache folder, gzipped as Zalando and Debian ship them', async () => {
    const cache = await folderWith('cache', NAMES, true);
    const location = await locateFashionMnist({ searched: [cache, path.join(root, 'debian')] });
    expect(location.found && location.files.folder).toBe(cache);
    expect(location.found && location.files.train.images).toBe(path.join(cache, 'train-images-idx3-ubyte.gz'));
  });

  it("falls through an incomplete cache folder to Debian's", async () => {
    const cache = await folderWith('cache', NAMES.slice(0, 2));
    const debian = await folderWith('usr/share/datasets/fashion-mnist', NAMES, true);
    const location = await locateFashionMnist({ searched: [cache, debian] });
    expect(location.found && location.files.folder).toBe(debian);
  });

  it('says where it looked, what each folder lacked, and how to get the files', async () => {
    const configured = await folderWith('mine', [NAMES[0]!]);
    const cache = await folderWith('cache', []);
    const location = await locateFashionMnist({ configured: { 'fashion-mnist': configured }, searched: [cache, path.join(root, 'none')] });
    expect(location.found).toBe(false);
    const advice = location.found ? '' : location.advice;
    expect(advice).toContain(
      `looked in ${configured} (missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; ` +
        `named by the project config's datasets.fashion-mnist), ${cache} (none of the four files), ${path.join(root, 'none')} (no such folder)`,
    );
    expect(advice).toContain('`sudo apt-get install dataset-fashion-mnist`');
    expect(advice).toContain(`${NAMES.join(', ')} (each may be gzipped, .gz)`);
    // With a configured folder, the files belong there.
    expect(advice).toContain(`into ${configured}`);
    expect(advice).not.toContain('name their folder in the project config');
  });

  it('without a configured folder, advises the first searched folder or the config key', async () => {
    const location = await locateFashionMnist({ searched: [path.join(root, 'cache')] });
    const advice = location.found ? '' : location.advice;
    expect(advice).toContain(`into ${path.join(root, 'cache')}, or name their folder in the project config: datasets: {fashion-mnist: <folder>}`);
  });
});

describe('defaultFolders', () => {
  it("is the user's cache folder (XDG_CACHE_HOME, else ~/.cache), then Debian's", () => {
    expect(defaultFolders({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toEqual(['/x/cache/prune-run/fashion-mnist', DEBIAN_FASHION_MNIST]);
    expect(defaultFolders({}, '/home/u')).toEqual(['/home/u/.cache/prune-run/fashion-mnist', '/usr/share/datasets/fashion-mnist']);
    expect(defaultFolders({ XDG_CACHE_HOME: '' }, '/home/u')[0]).toBe('/home/u/.cache/prune-run/fashion-mnist');
  });
});
