/**
 * The lock on a run folder: one writer at a time. A run takes it as it creates its folder, a resume
 * before it reads anything of the folder; both let it go when the run ends (and on process.exit).
 * Two resumes of one `.partial` folder would otherwise both append to its metrics.jsonl and
 * rewrite its checkpoints.
 *
 * The lock is the file `.lock` inside the folder, made with O_EXCL (`wx`), holding the writer's
 * pid and host. A lock whose process is gone (killed outright, or a second Ctrl-C) is stale: the
 * next writer takes it over and says so. A lock of another host is never taken over: whether its
 * process lives cannot be told from here.
 */
import { rmSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export const LOCK_FILE = '.lock';

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Whether process `pid` of this machine exists. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') return { pid: value.pid, host: value.host, since: String(value.since ?? '') };
  } catch {
    // A lock cut short by a crash between create and write: no holder to ask.
  }
  return null;
}

/** The lock files this process holds: process.exit (a fatal error) runs no finally, so they are let go on 'exit' too. */
const held = new Set<string>();
let exitListening = false;

function hold(file: string): void {
  held.add(file);
  if (exitListening) return;
  exitListening = true;
  process.on('exit', () => {
    for (const file of held) rmSync(file, { force: true });
    held.clear();
  });
}

export class RunLock {
  private constructor(
    readonly file: string,
    /** Whose stale lock was taken over, in words (`process 123, which is no longer running`); null when the folder was free. */
    readonly tookOver: string | null,
  ) {
    hold(file);
  }

  /**
   * Takes the lock of `folder` (shown as `shown` in messages), or throws a UsageError naming the
   * process that holds it. A stale lock (its process is gone) is taken over.
   */
  static async acquire(folder: string, shown: string = folder): Promise<RunLock> {
    const file = join(folder, LOCK_FILE);
    const mine = `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`;
    let tookOver: string | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(file, 'wx');
        try {
          await handle.writeFile(mine);
        } finally {
          await handle.close();
        }
        return new RunLock(file, tookOver);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = await readFile(file, 'utf8').catch(() => '');
      const holder = parseHolder(text);
      if (holder !== null && holder.host !== hostname()) {
        throw new UsageError(
          `${shown} is being written by process ${holder.pid} on ${holder.host} (since ${holder.since}); ` +
            `if that run is gone, delete ${file} and try again`,
        );
      }
      if (holder !== null && processIsAlive(holder.pid)) {
        throw new UsageError(`${shown} is being written by process ${holder.pid} (since ${holder.since}); wait for it to end or stop it (Ctrl-C), then try again`);
      }
      // Stale. Removed only if it is still the lock just read: a writer that took it over in
      // between keeps its own (our create then fails and names it).
      if ((await readFile(file, 'utf8').catch(() => '')) === text) await rm(file, { force: true });
      tookOver = holder === null ? `an unreadable lock (${file})` : `process ${holder.pid}, which is no longer running`;
    }
    throw new UsageError(`${shown}: another process keeps taking its lock (${file}); try again`);
  }

  /** Lets the lock go (idempotent). */
  async release(): Promise<void> {
    if (!held.delete(this.file)) return;
    await rm(this.file, { force: true });
  }
}
