/**
 * Project defaults through cosmiconfig (`prune-run` key). Searched from the working directory up
 * to the project root. Unknown keys and wrong types are errors: a misspelt `runDir` silently
 * ignored would write runs somewhere unexpected.
 */
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { UsageError } from '../errors.js';
import { BACKEND_REQUESTS, type BackendRequest } from '../engine/backend/select.js';
import type { LocatedDataName } from '../data/locate.js';

export interface ProjectConfig {
  /** Absolute; relative paths in the file are taken from the config file's folder. */
  readonly runsDir: string | null;
  /** The stage cache's folder, absolute; null: the default (node_modules/.cache/prune-run). */
  readonly cacheDir: string | null;
  /** The most the stage cache may hold, in MB; null: the default (2048). */
  readonly cacheMaxMB: number | null;
  readonly backend: BackendRequest | null;
  readonly seed: number | null;
  /** Training threads on wasm (speed only, see train.ts's GRADIENT_SHARDS). */
  readonly threads: number | null;
  /** Load the plugin modules recipes name (as --allow-plugins); null: not set. */
  readonly allowPlugins: boolean | null;
  /** Folders holding builtin data sets' files (`datasets: {fashion-mnist: folder}`), absolute; {} when none. */
  readonly datasets: Readonly<Partial<Record<LocatedDataName, string>>>;
  /** The file the config came from, for messages; null when there is none. */
  readonly file: string | null;
}

const KEYS = ['runsDir', 'cacheDir', 'cacheMaxMB', 'backend', 'seed', 'threads', 'allowPlugins', 'datasets'];
/** The builtin data sets whose folder the config may name. */
const DATASET_NAMES: readonly LocatedDataName[] = ['fashion-mnist'];

export async function loadProjectConfig(cwd: string): Promise<ProjectConfig> {
  const explorer = cosmiconfig('prune-run', { searchStrategy: 'project' });
  let result;
  try {
    result = await explorer.search(cwd);
  } catch (error) {
    throw new UsageError(`cannot read the prune-run project config: ${(error as Error).message}`);
  }
  if (result === null || result.isEmpty) return { runsDir: null, cacheDir: null, cacheMaxMB: null, backend: null, seed: null, threads: null, allowPlugins: null, datasets: {}, file: null };
  const file = result.filepath;
  const config: unknown = result.config;
  const fail = (message: string): never => {
    throw new UsageError(`${file}: ${message}`);
  };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return fail('the prune-run config must be an object');
  const values = config as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!KEYS.includes(key)) fail(`unknown key "${key}" (known: ${KEYS.join(', ')})`);
  }
  const { runsDir, cacheDir, cacheMaxMB, backend, seed, threads, allowPlugins, datasets } = values;
  if (runsDir !== undefined && typeof runsDir !== 'string') fail(`runsDir must be a string, got ${JSON.stringify(runsDir)}`);
  if (cacheDir !== undefined && typeof cacheDir !== 'string') fail(`cacheDir must be a string, got ${JSON.stringify(cacheDir)}`);
  if (cacheMaxMB !== undefined && !(typeof cacheMaxMB === 'number' && Number.isFinite(cacheMaxMB) && cacheMaxMB > 0)) {
    fail(`cacheMaxMB must be a number of megabytes > 0, got ${JSON.stringify(cacheMaxMB)}`);
  }
  if (backend !== undefined && !(BACKEND_REQUESTS as readonly unknown[]).includes(backend)) {
    fail(`backend must be one of ${BACKEND_REQUESTS.join(', ')}, got ${JSON.stringify(backend)}`);
  }
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0)) fail(`seed must be a whole number ≥ 0, got ${JSON.stringify(seed)}`);
  if (threads !== undefined && !(Number.isInteger(threads) && (threads as number) >= 1)) fail(`threads must be a whole number ≥ 1, got ${JSON.stringify(threads)}`);
  if (allowPlugins !== undefined && typeof allowPlugins !== 'boolean') fail(`allowPlugins must be true or false, got ${JSON.stringify(allowPlugins)}`);
  return {
    datasets: readDatasets(datasets, path.dirname(file), fail),
    runsDir: typeof runsDir === 'string' ? path.resolve(path.dirname(file), runsDir) : null,
    cacheDir: typeof cacheDir === 'string' ? path.resolve(path.dirname(file), cacheDir) : null,
    cacheMaxMB: (cacheMaxMB as number | undefined) ?? null,
    backend: (backend as BackendRequest | undefined) ?? null,
    seed: (seed as number | undefined) ?? null,
    threads: (threads as number | undefined) ?? null,
    allowPlugins: typeof allowPlugins === 'boolean' ? allowPlugins : null,
    file,
  };
}

/** `datasets: {fashion-mnist: folder}`: relative folders are taken from the config file's folder. */
function readDatasets(value: unknown, dir: string, fail: (message: string) => never): Partial<Record<LocatedDataName, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`datasets must be an object of folders, e.g. {fashion-mnist: ./data/fashion-mnist}, got ${JSON.stringify(value)}`);
  const folders: Partial<Record<LocatedDataName, string>> = {};
  for (const [name, folder] of Object.entries(value as Record<string, unknown>)) {
    const known = DATASET_NAMES.find((n) => n === name);
    if (known === undefined) fail(`datasets: unknown data set "${name}" (known: ${DATASET_NAMES.join(', ')})`);
    else if (typeof folder !== 'string' || folder === '') fail(`datasets.${name} must be a folder, got ${JSON.stringify(folder)}`);
    else folders[known] = path.resolve(dir, folder);
  }
  return folders;
}
