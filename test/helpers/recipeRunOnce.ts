/**
 * A recipe run through the command once, before the tests of a file (or of a describe block) that
 * all read the same run: beforeAll makes a working folder, writes the recipe, runs it and checks
 * the exit status; afterAll removes the folder. Each test reads the run and changes nothing, so
 * the tests can run in any order, or alone.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { makeTempDir, removeDir, runCli, writeRecipe, type CliResult } from './cli.js';

export interface RecipeRunOptions {
  /** The recipe file as given to the command: a name in the working folder, or a path. */
  readonly file: string;
  /** The recipe's text, written to `file` in the working folder; absent: `file` exists already. */
  readonly text?: string;
  /** The command's arguments before the recipe file. Default: --progress plain. */
  readonly args?: readonly string[];
  /** The exit status the run must end with. Default 0. */
  readonly status?: number;
  /** The working folder's name prefix (a temporary folder). */
  readonly prefix?: string;
  /** Prepares the working folder before the run (after the recipe is written): a repository, files the recipe reads. */
  readonly setUp?: (cwd: string) => Promise<void>;
}

export interface RecipeRunOnce {
  /** The working folder the command ran in. */
  readonly cwd: string;
  readonly result: CliResult;
  /** The run folder the command printed, absolute (for a run without --json). */
  readonly runDir: string;
}

export function runRecipeOnce(options: RecipeRunOptions): RecipeRunOnce {
  let cwd: string | null = null;
  let result: CliResult | null = null;
  beforeAll(async () => {
    cwd = await makeTempDir(options.prefix);
    if (options.text !== undefined) await writeRecipe(cwd, options.file, options.text);
    await options.setUp?.(cwd);
    result = await runCli([...(options.args ?? ['--progress', 'plain']), options.file], cwd);
    expect(result.status, result.stderr).toBe(options.status ?? 0);
  });
  afterAll(async () => {
    if (cwd !== null) await removeDir(cwd);
  });
  const ran = (): { cwd: string; result: CliResult } => {
    if (cwd === null || result === null) throw new Error('runRecipeOnce: the run is read in a test or a later hook, after its beforeAll ran');
    return { cwd, result };
  };
  return {
    get cwd() {
      return ran().cwd;
    },
    get result() {
      return ran().result;
    },
    get runDir() {
      const { cwd: folder, result: printed } = ran();
      return path.resolve(folder, printed.stdout.trim());
    },
  };
}
