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

/**
 * Writes a recipe that fails once running, at load-data: 4×3 IDX images (test/data/fixtures)
 * cannot feed LeNet's 28×28 input; `extra` is appended (more top-level keys). Returns its file name.
 */
export async function writeFailingRecipe(dir: string, extra = ''): Promise<string> {
  const fixtures = path.resolve('test/data/fixtures');
  return writeRecipe(
    dir,
    'shape.yaml',
    `model: {builtin: lenet}
data:
  idx:
    train: {images: ${fixtures}/train-images-idx3-ubyte.gz, labels: ${fixtures}/train-labels-idx1-ubyte.gz}
    test: {images: ${fixtures}/t10k-images-idx3-ubyte.gz, labels: ${fixtures}/t10k-labels-idx1-ubyte.gz}
train: {epochs: 1}
stages:
  - name: s
    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}
${extra}`,
  );
}
