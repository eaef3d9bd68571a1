/**
 * The built command (bin/prune-run.js, which runs dist/) in a child process, as a user runs it,
 * with the child's peak resident memory: GNU time's %M (the kernel's ru_maxrss of the child, in
 * KiB) when /usr/bin/time exists, else the highest VmHWM read from /proc/<pid>/status while it
 * runs. A child that outlives `timeoutMs` is killed (its whole process group) and reported so.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../bin/prune-run.js');
const GNU_TIME = '/usr/bin/time';

export interface ChildRun {
  /** The exit status; null when the child was killed (then `timedOut` says whether by us). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident memory of the prune-run process, in MiB. */
  readonly peakRssMiB: number;
  readonly seconds: number;
  readonly timedOut: boolean;
  /** How peakRssMiB was measured. */
  readonly measuredBy: 'gnu-time' | 'vmhwm';
}

/** VmHWM of a live process, in KiB; 0 once it is gone. */
function vmHwmKiB(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

export async function runCliChild(args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<ChildRun> {
  const timed = existsSync(GNU_TIME);
  const scratch = await mkdtemp(path.join(tmpdir(), 'prune-run-rss-'));
  const rssFile = path.join(scratch, 'rss');
  const command = timed ? GNU_TIME : process.execPath;
  const argv = timed ? ['-f', '%M', '-o', rssFile, process.execPath, BIN, ...args] : [BIN, ...args];
  const started = performance.now();
  // Its own process group, so that a timeout kills prune-run and not only GNU time above it.
  const child = spawn(command, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let peakKiB = 0;
  const poll = timed ? null : setInterval(() => (peakKiB = Math.max(peakKiB, vmHwmKiB(child.pid!))), 5);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, timeoutMs);
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  clearTimeout(timer);
  if (poll !== null) clearInterval(poll);
  if (timed && !timedOut) {
    // GNU time writes "Command exited with non-zero status N" before the figure when N ≠ 0.
    const lines = (await readFile(rssFile, 'utf8')).trim().split('\n');
    peakKiB = Number(lines[lines.length - 1]);
  }
  await rm(scratch, { recursive: true, force: true });
  return { status, stdout, stderr, peakRssMiB: peakKiB / 1024, seconds: (performance.now() - started) / 1000, timedOut, measuredBy: timed ? 'gnu-time' : 'vmhwm' };
}
