/**
 * Runs the built command (bin/prune-run.js, as `npx prune-run` would) in a child process: the exit
 * status, both outputs and the peak memory a user would see, with a time limit. For bad input
 * that must be refused without a crash, a stack trace or memory growing with what it asks for.
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testCacheHome, type CliResult } from './cli.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/prune-run.js');
const PEAK_RSS = path.resolve(import.meta.dirname, 'peakRss.mjs');
let children = 0;

export interface ChildResult extends CliResult {
  /** The child's peak resident memory in MB; NaN when it died before it could say (a crash). */
  readonly peakRssMB: number;
  /** Whether the time limit ended it. */
  readonly timedOut: boolean;
}

/** `env` is added to the test process's environment (whose XDG_CACHE_HOME is the test's own, helpers/cli.ts). */
export async function runCliProcess(argv: readonly string[], cwd: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  // Outside `cwd`, whose contents the tests compare before and after.
  const peakFile = path.join(tmpdir(), `prune-run-peak-rss-${process.pid}-${++children}`);
  const child = spawn(process.execPath, ['--import', PEAK_RSS, BIN, ...argv], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CACHE_HOME: testCacheHome(cwd), ...options.env, PRUNE_RUN_TEST_PEAK_RSS: peakFile },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60_000);
  const status = await new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === null ? -1 : 128))));
  clearTimeout(timer);
  const peak = await readFile(peakFile, 'utf8').then(Number, () => NaN);
  await rm(peakFile, { force: true });
  return {
    status,
    stdout: Buffer.concat(out).toString('utf8').replace(/\n$/, ''),
    stderr: Buffer.concat(err).toString('utf8').replace(/\n$/, ''),
    peakRssMB: peak / 1024,
    timedOut,
  };
}
