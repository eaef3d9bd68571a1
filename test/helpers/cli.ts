/** Runs the CLI in-process with captured output, in a working directory of the test's own. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The user's cache folder of a command run in `cwd` by the tests: inside the working folder, so
 * that each test's stage cache is its own (as a fresh machine's would be) and none is ever the
 * real ~/.cache.
 */
export function testCacheHome(cwd: string): string {
  return path.join(cwd, '.cache');
}

export async function runCli(argv: readonly string[], cwd: string): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  // Progress lines land in stderr too, in order, as they would on a terminal.
  const progress = new PassThrough();
  progress.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8').replace(/\n$/, '')));
  const status = await main(argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    progress: progress as unknown as NodeJS.WriteStream,
    cwd,
    env: { ...process.env, XDG_CACHE_HOME: testCacheHome(cwd) },
  });
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}

export async function makeTempDir(prefix = 'prune-run-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function writeRecipe(dir: string, name: string, text: string): Promise<string> {
  await writeFile(path.join(dir, name), text);
  return name;
}

/** Every entry under a folder, recursively, as relative paths; [] when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.map(String).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** The message of the failing plugin's computeMask (writeFailingRecipe), for tests to look for. */
export const FAILING_PLUGIN_MESSAGE = 'this plugin fails on purpose (test/helpers/cli.ts)';

/**
 * Writes a recipe whose run starts and then fails: it loads a little MNIST and evaluates LeNet on
 * it, then its stage prunes with a plugin (method: custom) whose computeMask throws. A genuine run-time failure
 * (user code failing mid-run, exit 3, the folder left .partial), where bad input is refused before
 * any folder exists. The plugin may run because the folder's project config says allowPlugins
 * (.prune-runrc.json, written here too). `extra` is appended (more top-level keys). Returns the
 * recipe's file name.
 */
export async function writeFailingRecipe(dir: string, extra = ''): Promise<string> {
  await writeFile(path.join(dir, '.prune-runrc.json'), '{"allowPlugins": true}\n');
  await writeFile(
    path.join(dir, 'failing-plugin.js'),
    `export default { name: 'fails', kind: 'unstructured', computeMask() { throw new Error(${JSON.stringify(FAILING_PLUGIN_MESSAGE)}); } };\n`,
  );
  return writeRecipe(
    dir,
    'failing.yaml',
    `model: {builtin: lenet}
data: {builtin: mnist, train_size: 64, test_size: 32}
report: {evaluate: true}
stages:
  - name: s
    targets:
      - {select: {layer: fc3, param: bias}, method: custom, module: failing-plugin.js}
${extra}`,
  );
}
