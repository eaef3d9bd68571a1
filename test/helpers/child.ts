/**
 * The real command in a child process (bin/prune-run.js over dist/, as `npx prune-run` runs it),
 * for what only a process shows: exit statuses set by Node, signals, what reaches stderr, locks
 * between two processes, and the memory and time a user would see. Every child is measured: its
 * peak resident memory (the kernel's maxRSS, written at exit by peakRss.mjs, preloaded; and the
 * highest VmHWM read from /proc while it runs, which still counts for a child that crashes or is
 * killed) and how long it ran; one that outlives its time limit is killed with its process group
 * (a sweep's points are processes of their own) and reported so. Its stage cache is the test's
 * own, inside `cwd` (helpers/cli.ts), unless `env` says otherwise: never the real ~/.cache.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testCacheHome } from './cli.js';

export const BIN = path.resolve(import.meta.dirname, '../../bin/prune-run.js');
const PEAK_RSS = path.resolve(import.meta.dirname, 'peakRss.mjs');
/** The default time limit of a child: the corpus's bound (issue 15: ≤ 90 s). */
export const CHILD_TIMEOUT_MS = 90_000;

/** A stack trace line, as Node prints them: what a user must never see unless they ask. */
export const STACK_LINE = /\n\s+at /;

export interface ChildResult {
  /** The exit status; null when a signal ended the process (`signal` says which). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from the spawn to the end. */
  readonly ms: number;
  /** The child's peak resident memory in MiB (the larger of its maxRSS at exit and the VmHWM seen while it ran). */
  readonly peakRssMB: number;
  /** Whether the time limit ended it. */
  readonly timedOut: boolean;
}

export interface ChildOptions {
  /** Added to the test process's environment (after XDG_CACHE_HOME = the test's own cache home). */
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
  /** Killed (SIGKILL, its whole process group) after this long; default CHILD_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

export interface CliChild {
  readonly process: ChildProcess;
  /** The stderr seen so far. */
  stderr(): string;
  /** Resolves once stderr matches `pattern` (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<void>;
  readonly done: Promise<ChildResult>;
}

/** VmHWM (peak resident set) of a live process in KiB; 0 once it is gone. */
function vmHwmKiB(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

let children = 0;

export function startCli(cwd: string, args: readonly string[], options: ChildOptions = {}): CliChild {
  // Outside `cwd`, whose contents tests compare before and after.
  const peakFile = path.join(tmpdir(), `prune-run-peak-rss-${process.pid}-${++children}`);
  const spawnOptions: SpawnOptions = {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CACHE_HOME: testCacheHome(cwd), ...options.env, PRUNE_RUN_TEST_PEAK_RSS: peakFile },
    // Its own process group, so that a time limit ends whatever it started too.
    detached: true,
  };
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', PEAK_RSS, BIN, ...args], spawnOptions);
  let stdout = '';
  let stderr = '';
  let ended: string | null = null;
  let polledKiB = 0;
  const poll = setInterval(() => (polledKiB = Math.max(polledKiB, vmHwmKiB(child.pid!))), 20);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, options.timeoutMs ?? CHILD_TIMEOUT_MS);
  const waiters: { pattern: RegExp; resolve: () => void; reject: (error: Error) => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      ended = `the command ended (status ${String(status)}, signal ${String(signal)})`;
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`${ended} before stderr matched ${String(waiter.pattern)}:\n${stderr}`));
      const ms = performance.now() - started;
      void readFile(peakFile, 'utf8')
        .then(Number, () => 0)
        .then(async (exitKiB) => {
          await rm(peakFile, { force: true });
          const peakKiB = Math.max(exitKiB, polledKiB);
          resolve({ status, signal, stdout, stderr, ms, peakRssMB: peakKiB === 0 ? NaN : peakKiB / 1024, timedOut });
        });
    });
  });
  return {
    process: child,
    stderr: () => stderr,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        if (ended !== null) return reject(new Error(`${ended} before stderr matched ${String(pattern)}:\n${stderr}`));
        waiters.push({ pattern, resolve, reject });
      }),
    done,
  };
}

/** Runs the command to its end. */
export function runCliChild(cwd: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildResult> {
  return startCli(cwd, args, options).done;
}

/** Runs the command and sends `signal` (SIGINT: a Ctrl-C) once `when` shows up on stderr. */
export async function interruptWhen(cwd: string, args: readonly string[], when: RegExp, signal: NodeJS.Signals = 'SIGINT', options: ChildOptions = {}): Promise<ChildResult> {
  const child = startCli(cwd, args, options);
  await child.waitFor(when).then(
    () => child.process.kill(signal),
    () => undefined, // it ended first: its result says how
  );
  return child.done;
}
