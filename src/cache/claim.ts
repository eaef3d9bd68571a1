/**
 * A claim on a cache key: `<key>.lock` beside the entries, made with an exclusive create, so of
 * several processes that miss the same key at once (a sweep's points sharing their training) one
 * computes it and the others wait for its entry instead of computing it too. The holder touches the
 * file while it works; a claim whose holder is gone (its process on this host has ended, or the
 * file has not been touched for STALE_MS, for a holder elsewhere on a shared folder) is taken over.
 */
import { mkdir, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often the holder touches its claim, and after how long without a touch it counts as abandoned. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 60_000;
const POLL_MS = 200;

interface ClaimFile {
  readonly pid: number;
  readonly host: string;
  readonly taskId: string;
}

export interface HeldClaim {
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the claim at `file` is abandoned; false while it cannot be told (being written, or gone already). */
async function abandoned(file: string, now: number): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(file), readFile(file, 'utf8')]);
    const holder = JSON.parse(text) as Partial<ClaimFile>;
    if (holder.host === hostname() && typeof holder.pid === 'number' && !processAlive(holder.pid)) return true;
    return now - info.mtimeMs > STALE_MS;
  } catch {
    return false;
  }
}

async function tryClaim(file: string, taskId: string): Promise<HeldClaim | null> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), taskId } satisfies ClaimFile));
  } finally {
    await handle.close();
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => undefined); // a missed touch only makes the claim look older
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    release: async () => {
      clearInterval(heartbeat);
      await rm(file, { force: true });
    },
  };
}

/**
 * Claims `key` in `dir`, waiting while another process holds it; `onWait` is told once when this
 * waits. Rejects with the signal's reason when it is aborted while waiting.
 */
export async function claimKey(dir: string, key: string, taskId: string, options: { signal?: AbortSignal | undefined; onWait?: (() => void) | undefined } = {}): Promise<HeldClaim> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${key}.lock`);
  let told = false;
  for (;;) {
    const claim = await tryClaim(file, taskId);
    if (claim !== null) return claim;
    if (await abandoned(file, Date.now())) {
      await rm(file, { force: true });
      continue;
    }
    if (!told) {
      options.onWait?.();
      told = true;
    }
    options.signal?.throwIfAborted();
    await sleep(POLL_MS);
  }
}
