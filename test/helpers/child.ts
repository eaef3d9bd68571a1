/**
 * The real command in a child process (bin/prune-run.js over dist/), for what only a process shows:
 * signals, exit statuses set by Node, what reaches stderr, locks between two processes.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '../../bin/prune-run.js');

export interface ChildResult {
  /** The exit status; null when a signal ended the process. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from the spawn to the end. */
  readonly ms: number;
}

export interface CliChild {
  readonly process: ChildProcess;
  /** The stderr seen so far. */
  stderr(): string;
  /** Resolves once stderr matches `pattern` (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<void>;
  readonly done: Promise<ChildResult>;
}

/** A stack trace line, as Node prints them: what a user must never see unless they ask. */
export const STACK_LINE = /\n\s+at /;

export function startCli(cwd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): CliChild {
  const spawnOptions: SpawnOptions = { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } };
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], spawnOptions);
  let stdout = '';
  let stderr = '';
  let ended: string | null = null;
  const waiters: { pattern: RegExp; resolve: () => void; reject: (error: Error) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    check();
  });
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      ended = `the command ended (status ${String(status)}, signal ${String(signal)})`;
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`the command ended (status ${String(status)}, signal ${String(signal)}) before stderr matched ${String(waiter.pattern)}:\n${stderr}`));
      resolve({ status, signal, stdout, stderr, ms: performance.now() - started });
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
export function runCliChild(cwd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<ChildResult> {
  return startCli(cwd, args, options).done;
}

/** Runs the command in a child process and sends SIGINT once `when` shows up on stderr. */
export function interruptWhen(cwd: string, args: string[], when: RegExp): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/** Runs the command to its end; its status and output. */
export function runChild(cwd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
