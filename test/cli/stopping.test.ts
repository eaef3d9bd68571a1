/**
 * How a run stops, through the real command in child processes: SIGINT and SIGTERM while a
 * plugin's computeMask never returns (its thread is stopped at once; the folder stays .partial with
 * the manifest saying interrupted; exit 130 / 143), a second Ctrl-C, a plugin over its time limit
 * (exit 3), the run folder's lock (a second resume refused with the first one's pid, a dead
 * holder's lock taken over), and a disk that is full mid-run: a real ENOSPC from the kernel —
 * model.onnx is a symlink to /dev/full, which refuses every write with ENOSPC — exit 3, one line,
 * .partial kept with the reason. No stack trace anywhere.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';
import { runCliChild, STACK_LINE, startCli, type ChildResult } from '../helpers/child.js';

/** Prunes every other entry, but while the `hold` file exists it never returns (and says so first). */
const GATE = `import { existsSync, writeSync } from 'node:fs';
export default {
  name: 'gate',
  kind: 'unstructured',
  computeMask(importance, defaultMask, options) {
    if (existsSync(options.hold)) {
      writeSync(2, 'gate: holding\\n');
      // Blocks its thread for good, without spinning a core.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    const mask = Uint8Array.from(defaultMask);
    for (let i = 0; i < mask.length; i += 2) mask[i] = 0;
    return mask;
  },
};
`;

const recipe = (hold: string) => `seed: 3
model: {builtin: lenet}
data: {builtin: mnist, train_size: 128, test_size: 32}
train: {epochs: 1, batch_size: 64}
stages:
  - name: p
    targets:
      - select: {layer: fc3, param: bias}
        method: custom
        module: gate.js
        options: {hold: ${JSON.stringify(hold)}}
    finetune: {epochs: 1, batch_size: 64}
export: {onnx: true}
`;

const HOLDING = /gate: holding/;
const ARGS = ['--progress', 'plain', '--no-cache', '--allow-plugins'];

let cwd: string;
let hold: string;

interface Manifest {
  status: string;
  exitReason: string | null;
  stoppedInTask: string | null;
}

const manifestOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;

/** The one .partial folder under `runs`. */
async function partialIn(runs: string): Promise<string> {
  const partial = (await readdir(path.join(cwd, runs))).filter((name) => name.endsWith('.partial'));
  expect(partial).toHaveLength(1);
  return path.join(cwd, runs, partial[0]!);
}

/** Starts the command, waits until the plugin holds, sends `signals` (milliseconds apart), and returns how it ended and how long after the first signal. */
async function stopWhileHolding(args: string[], signals: NodeJS.Signals[]): Promise<ChildResult & { afterSignal: number }> {
  const child = startCli(cwd, args);
  await child.waitFor(HOLDING);
  const sent = performance.now();
  for (const signal of signals) {
    child.process.kill(signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const result = await child.done;
  return { ...result, afterSignal: performance.now() - sent };
}

beforeAll(async () => {
  cwd = await makeTempDir('prune-run-stopping-');
  hold = path.join(cwd, 'hold');
  await writeFile(hold, '');
  await writeFile(path.join(cwd, 'gate.js'), GATE);
  await writeRecipe(cwd, 'recipe.yaml', recipe(hold));
});

afterAll(async () => {
  await removeDir(cwd);
});

describe('signals while a plugin never returns', () => {
  it('SIGTERM: exit 143 at once, .partial kept, manifest interrupted in the prune task, lock gone, no stack', async () => {
    const result = await stopWhileHolding([...ARGS, '--runs-dir', 'term', 'recipe.yaml'], ['SIGTERM']);
    expect(result.status, result.stderr).toBe(143);
    expect(result.afterSignal).toBeLessThan(15_000);
    expect(result.stderr).toMatch(/interrupted \(SIGTERM\): stopping after the current step/);
    expect(result.stderr).toMatch(/run interrupted; its files are in term\/\S+\.partial; continue it with: prune-run resume/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    const dir = await partialIn('term');
    expect(await manifestOf(dir)).toMatchObject({ status: 'interrupted', exitReason: 'InterruptedError: interrupted by SIGTERM', stoppedInTask: 'prune:p' });
    expect(existsSync(path.join(dir, '.lock'))).toBe(false);
  }, 60_000);

  it('SIGINT: exit 130, manifest interrupted; a second Ctrl-C right after also ends it', async () => {
    const once = await stopWhileHolding([...ARGS, '--runs-dir', 'int', 'recipe.yaml'], ['SIGINT']);
    expect(once.status, once.stderr).toBe(130);
    expect(once.stderr).not.toMatch(STACK_LINE);
    expect(await manifestOf(await partialIn('int'))).toMatchObject({ status: 'interrupted', exitReason: 'InterruptedError: interrupted by SIGINT' });
    const twice = await stopWhileHolding([...ARGS, '--runs-dir', 'twice', 'recipe.yaml'], ['SIGINT', 'SIGINT']);
    // Either the first stop finished before the second arrived (130), or the second ended it outright.
    expect(twice.status === 130 || twice.signal === 'SIGINT', twice.stderr).toBe(true);
    expect(twice.afterSignal).toBeLessThan(15_000);
    expect(twice.stderr).not.toMatch(STACK_LINE);
  }, 60_000);

  it('a computeMask over the time limit is stopped: exit 3, one line, manifest failed with the reason', async () => {
    const result = await runCliChild(cwd, [...ARGS, '--runs-dir', 'slow', 'recipe.yaml'], { env: { PRUNE_RUN_PLUGIN_TIMEOUT: '1' } });
    expect(result.status, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/^prune-run failed: plugin "gate" \(.*gate\.js\) on 'fc3\/bias': computeMask did not return within 1 s; it was stopped \(PRUNE_RUN_PLUGIN_TIMEOUT sets the limit, in seconds\)$/m);
    expect(result.stderr).not.toMatch(STACK_LINE);
    const manifest = await manifestOf(await partialIn('slow'));
    expect(manifest.status).toBe('failed');
    expect(manifest.exitReason).toMatch(/^EngineError: .*computeMask did not return within 1 s/);
  }, 60_000);
});

describe('the run folder lock, and a full disk', () => {
  let partial: string;
  let shown: string;

  beforeAll(async () => {
    const first = await stopWhileHolding([...ARGS, 'recipe.yaml'], ['SIGINT']);
    expect(first.status, first.stderr).toBe(130);
    partial = await partialIn('runs');
    shown = path.relative(cwd, partial);
  }, 60_000);

  it('refuses a second resume of the folder while one runs (exit 2, the holder\'s pid), and takes a dead holder\'s lock over', async () => {
    const holder = startCli(cwd, ['resume', ...ARGS, shown]);
    await holder.waitFor(HOLDING);
    const second = await runCliChild(cwd, ['resume', ...ARGS, shown]);
    expect(second.status, second.stderr).toBe(2);
    expect(second.stderr).toBe(`${shown} is being written by process ${String(holder.process.pid)} (since ${JSON.parse(await readFile(path.join(partial, '.lock'), 'utf8')).since as string}); wait for it to end or stop it (Ctrl-C), then try again\n`);
    // Killed outright: the lock stays behind, naming a process that is gone.
    holder.process.kill('SIGKILL');
    await holder.done;
    const stale = JSON.parse(await readFile(path.join(partial, '.lock'), 'utf8')) as { pid: number };
    expect(stale.pid).toBe(holder.process.pid);

    const next = await stopWhileHolding(['resume', ...ARGS, shown], ['SIGTERM']);
    expect(next.status, next.stderr).toBe(143);
    expect(next.stderr).toContain(`note: ${shown} was locked by process ${String(holder.process.pid)}, which is no longer running; its lock is taken over`);
    expect(existsSync(path.join(partial, '.lock'))).toBe(false);
  }, 90_000);

  it.skipIf(!existsSync('/dev/full'))('a full disk mid-run: exit 3, one line naming the file and ENOSPC, .partial kept with the reason; then it resumes', async () => {
    await rm(hold);
    await symlink('/dev/full', path.join(partial, 'model.onnx'));
    const full = await runCliChild(cwd, ['resume', ...ARGS, shown]);
    expect(full.status, full.stderr).toBe(3);
    expect(full.stderr).toMatch(new RegExp(`^prune-run failed: cannot write ${partial.replaceAll('.', '\\.')}/model\\.onnx: no space left on the device \\(ENOSPC\\)$`, 'm'));
    expect(full.stderr).not.toMatch(STACK_LINE);
    const manifest = await manifestOf(partial);
    expect(manifest.status).toBe('failed');
    expect(manifest.exitReason).toMatch(/^FileWriteError: cannot write .*model\.onnx: no space left on the device \(ENOSPC\)$/);
    expect(manifest.stoppedInTask).toBe('export');

    await rm(path.join(partial, 'model.onnx'));
    const done = await runCliChild(cwd, ['resume', ...ARGS, shown]);
    expect(done.status, done.stderr).toBe(0);
    expect(await manifestOf(partial.replace(/\.partial$/, ''))).toMatchObject({ status: 'succeeded' });
  }, 90_000);
});
