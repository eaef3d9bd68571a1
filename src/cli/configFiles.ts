/**
 * The project config's files, read safely. cosmiconfig reads every file it looks at whole (and a
 * FIFO it opens waits forever for a writer), and parses YAML with a library that expands aliases
 * without a limit; so before it searches, every file it would look at (its search places, from the
 * working directory up to the project root, as its `project` strategy goes) that exists is checked
 * to be a regular file of at most MAX_CONFIG_BYTES, in UTF-8 when it is data; and its JSON and YAML
 * loaders are the recipe's parser (parse.ts), with the recipe's limits on nesting and aliases and
 * its located errors.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultLoaders, getDefaultSearchPlaces, type Loader } from 'cosmiconfig';
import { UsageError } from '../errors.js';
import { parseRecipe } from '../recipe/parse.js';
import { decodeRecipe } from '../recipe/source.js';
import { fileRefusalMessage, FileRefusedError, readRegularFile } from '../util/regularFile.js';
import { thrownText } from '../util/thrown.js';

export const CONFIG_NAME = 'prune-run';
/** A project config holds a handful of settings; package.json, which may hold one, is rarely above 10 KB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const isCode = (file: string) => /\.(c|m)?(j|t)s$/.test(file);

/** The folders cosmiconfig's `project` strategy searches from `cwd`: up to the first holding package.json or package.yaml. */
async function searchedFolders(cwd: string): Promise<string[]> {
  const folders: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    folders.push(dir);
    const exists = (name: string) => stat(path.join(dir, name)).then(() => true, () => false);
    if ((await exists('package.json')) || (await exists('package.yaml')) || path.dirname(dir) === dir) return folders;
  }
}

/** Refuses (UsageError) a config file cosmiconfig would read that is not a regular, small, UTF-8 file. */
export async function checkConfigFiles(cwd: string): Promise<void> {
  for (const dir of await searchedFolders(cwd)) {
    for (const place of getDefaultSearchPlaces(CONFIG_NAME)) {
      const file = path.join(dir, place);
      let bytes: Uint8Array;
      try {
        bytes = await readRegularFile(file, MAX_CONFIG_BYTES);
      } catch (error) {
        if (!(error instanceof FileRefusedError)) throw error;
        const { refusal } = error;
        // What cosmiconfig skips itself: nothing there, a folder.
        if (refusal.kind === 'missing' || refusal.kind === 'folder') continue;
        throw new UsageError(`${fileRefusalMessage('project config file', file, refusal)}; prune-run reads it as its project config`);
      }
      if (!isCode(file)) decodeRecipe(bytes, file, 'project config');
    }
  }
}

/** JSON and YAML configs (JSON is YAML) parsed as recipes are: located errors, bounded nesting and aliases. */
const parseData: Loader = (file, content) => {
  const value = parseRecipe(content, file).value;
  // package.json without a prune-run key is not a config (cosmiconfig then looks on).
  return value === null ? undefined : value;
};

/** A JavaScript config is code: whatever it throws (a number, null) is said with its file. */
const namingFile =
  (load: Loader): Loader =>
  async (file, content) => {
    try {
      return (await load(file, content)) as unknown;
    } catch (error) {
      throw new UsageError(`${file}: the project config failed to load: ${thrownText(error)}`);
    }
  };

export const CONFIG_LOADERS = {
  '.json': parseData,
  '.yaml': parseData,
  '.yml': parseData,
  noExt: parseData,
  '.js': namingFile(defaultLoaders['.js']),
  '.mjs': namingFile(defaultLoaders['.mjs']),
  '.cjs': namingFile(defaultLoaders['.cjs']),
  '.ts': namingFile(defaultLoaders['.ts']),
} as const;
