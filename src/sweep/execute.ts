/**
 * Runs a sweep's points, each as its own `prune-run` process (so a point is exactly a normal run,
 * with its own folder, manifest and exit status), at most `jobs` at once. The processes share the
 * working folder, so they share its project config and stage cache: the first to reach a task the
 * points have in common (their training) computes it and the others wait for its cache entry
 * (cache/claim.ts). Each point's stderr is passed on line by line, prefixed with its id; its --json
 * summary on stdout says where its folder is and how it ended.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../runs/summary.js';
import { setArgument, type SweepPoint } from './spec.js';

/** The command's launcher: bin/ beside src/ and dist/, two levels above this module in both. */
const BIN = fileURLToPath(new URL('../../bin/prune-run.js', import.meta.url));

export interface PointRun {
  readonly point: SweepPoint;
  /** The process's exit status (prune-run's: 0, 1 a gate failed, 2, 3, 130), or null when it was killed by a signal. */
  readonly status: number | null;
  /** The run's --json summary; null when it printed none (bad input: no run was started). */
  readonly summary: RunSummary | null;
}

export interface RunPointsOptions {
  readonly recipe: string;
  readonly cwd: string;
  readonly jobs: number;
  /** Arguments every point's command gets before its --set values (runs dir, threads, backend, …). */
  readonly args: readonly string[];
  /** One line of a point's stderr, or of the sweep's own progress. */
  readonly log: (line: string) => void;
}

function runPoint(point: SweepPoint, options: RunPointsOptions): Promise<PointRun> {
  const sets = point.overrides.flatMap((o) => ['--set', setArgument(o)]);
  const child = spawn(process.execPath, [BIN, '--json', '--progress', 'plain', ...options.args, ...sets, options.recipe], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  createInterface({ input: child.stderr }).on('line', (line) => options.log(`[${point.id}] ${line}`));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      const text = Buffer.concat(out).toString('utf8').trim();
      let summary: RunSummary | null = null;
      try {
        summary = text === '' ? null : (JSON.parse(text) as RunSummary);
      } catch {
        options.log(`[${point.id}] its output was not a run summary: ${text.slice(0, 200)}`);
      }
      resolve({ point, status, summary });
    });
  });
}

/** Runs every point, `jobs` at a time, in order of their index; resolves with every point's outcome, in order. */
export async function runPoints(points: readonly SweepPoint[], options: RunPointsOptions): Promise<PointRun[]> {
  const results: PointRun[] = new Array<PointRun>(points.length);
  let next = 0;
  const worker = async () => {
    while (next < points.length) {
      const i = next++;
      const point = points[i]!;
      options.log(`${point.id}: started (${point.overrides.map(setArgument).join(' ') || 'the recipe as it is'})`);
      const result = await runPoint(point, options);
      options.log(`${point.id}: ${result.summary?.status ?? `exited with status ${String(result.status)}`}${result.summary === null ? '' : ` → ${result.summary.folder}`}`);
      results[i] = result;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, points.length)) }, worker));
  return results;
}
