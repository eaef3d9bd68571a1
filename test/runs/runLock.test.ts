/**
 * The lock on a run folder: one writer at a time, the holder named when refused, a dead holder's
 * lock taken over (and said so), released by release() and on process exit.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { LOCK_FILE, RunLock } from '../../src/runs/runLock.js';
import { makeTempDir, removeDir } from '../helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('prune-run-lock-');
});
afterEach(async () => {
  await removeDir(dir);
});

/** A pid that no process has: one that just ended. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('RunLock', () => {
  it('is taken once: a second writer is refused with the holder\'s pid, until it is released', async () => {
    const lock = await RunLock.acquire(dir, 'runs/x.partial');
    expect(lock.tookOver).toBeNull();
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    const refused = await RunLock.acquire(dir, 'runs/x.partial').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toMatch(new RegExp(`^runs/x\\.partial is being written by process ${process.pid} \\(since .*\\); wait for it to end or stop it \\(Ctrl-C\\), then try again$`));
    await lock.release();
    await lock.release();
    const again = await RunLock.acquire(dir);
    await again.release();
  });

  it('takes over the lock of a process that is gone, and says whose', async () => {
    const pid = deadPid();
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), since: 'earlier' }));
    const lock = await RunLock.acquire(dir);
    expect(lock.tookOver).toBe(`process ${pid}, which is no longer running`);
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('never takes over another host\'s lock: it cannot tell whether that process lives', async () => {
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', since: 'earlier' }));
    await expect(RunLock.acquire(dir, 'f')).rejects.toThrow(new RegExp(`^f is being written by process 1 on elsewhere \\(since earlier\\); if that run is gone, delete ${path.join(dir, LOCK_FILE).replaceAll('.', '\\.')} and try again$`));
  });

  it('is let go when the process exits without releasing it', () => {
    // The built module (npm test builds dist/ first): a child process cannot import TypeScript.
    const script = `import { RunLock } from ${JSON.stringify(pathToFileURL(path.resolve('dist/runs/runLock.js')).href)}; await RunLock.acquire(${JSON.stringify(dir)}); process.exit(0);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    return expect(readFile(path.join(dir, LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });
});
