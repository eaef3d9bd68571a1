/**
 * Drives a started (or resumed) run to its end: progress, Ctrl-C and SIGTERM, the final manifest
 * and what is printed — the folder, or with --json the run's summary. Shared by `prune-run` and
 * `prune-run resume`.
 */
import path from 'node:path';
import { InterruptedError, STOP_SIGNALS, type StopSignal } from '../errors.js';
import type { PreparedRun } from '../runner/prepare.js';
import type { RecipeRun } from '../runner/recipeRun.js';
import type { RunStatus } from '../runs/runStatus.js';
import { exitReasonOf, summarizeRun } from '../runs/summary.js';
import type { CliIo } from './io.js';
import { describeError } from './failure.js';
import { reportExpectations } from './expectations.js';
import { runTasksWithProgress } from './progress.js';

/** The run being driven, to stop as failed when an error escapes every handler (failActiveRun). */
let active: AbortController | null = null;

/**
 * Stops the run under way, if any, as failed with `error` (which escaped every handler: an
 * uncaught exception or rejection), so that its manifest says why; false when no run is going.
 */
export function failActiveRun(error: unknown): boolean {
  if (active === null || active.signal.aborted) return false;
  active.abort(error);
  return true;
}

export interface DriveOptions {
  readonly json: boolean;
  readonly progress: 'auto' | 'tty' | 'plain';
  /** The threads asked for (flag or config), for the note when training uses fewer. */
  readonly threads: number | null;
}

export async function driveRun(run: RecipeRun, prepared: PreparedRun, options: DriveOptions, io: CliIo): Promise<number> {
  io.stderr(`run ${run.dir.id} on ${run.record.backend}`);
  for (const note of run.backend.notes) io.stderr(`  note: ${note}`);
  const used = run.sharding?.threads ?? 1;
  const { threads } = options;
  if (threads !== null && threads > used) {
    io.stderr(
      `  note: training uses ${used} thread${used === 1 ? '' : 's'}, not ${threads}: ` +
        (run.sharding === null ? `backend ${run.backend.name} runs its own threads` : `each batch's gradient has ${run.sharding.shards} shards`),
    );
  }

  const abort = new AbortController();
  const signals = Object.keys(STOP_SIGNALS) as StopSignal[];
  const stopListening = () => {
    for (const signal of signals) process.off(signal, listeners[signal]);
  };
  // SIGINT (Ctrl-C) and SIGTERM (a CI cancel, docker stop) stop the run after the current step,
  // leaving it .partial and resumable. The first one removes these listeners, which gives both
  // signals back their default action: a second one ends the process at once, even while
  // something holds the main thread. Files are written to a temporary name and renamed, so none
  // is left half-written; the run folder stays .partial with the checkpoints it has.
  const onSignal = (signal: StopSignal) => {
    stopListening();
    io.stderr(`interrupted (${signal}): stopping after the current step (Ctrl-C again to quit at once)`);
    abort.abort(new InterruptedError(signal));
  };
  // One listener per signal, naming it: a listener is not always handed the signal (process.emit).
  const listeners: Record<StopSignal, () => void> = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  for (const signal of signals) process.on(signal, listeners[signal]);
  active = abort;
  // --json: the run's summary is the only thing on stdout, however the run ends.
  const printSummary = (status: RunStatus, error: unknown, folder: string) => {
    const overrides = prepared.overrides.map((o) => o.toRecord());
    io.stdout(JSON.stringify(summarizeRun(run.record, { status, exitReason: exitReasonOf(error), folder, overrides }), null, 2));
  };
  const reportReuse = () => {
    for (const problem of run.cacheProblems) io.stderr(`  note: stage cache: ${problem}`);
    if (run.reused.length > 0) io.stderr(`reused, not run again: ${run.reused.map((r) => `${r.taskId} (${r.from === 'cache' ? 'stage cache' : 'checkpoint'})`).join(', ')}`);
  };
  try {
    const live = options.progress === 'tty' || (options.progress === 'auto' && io.progress.isTTY === true);
    await runTasksWithProgress(run, prepared.plan.tasks, { live, signal: abort.signal, stream: io.progress });
  } catch (thrown) {
    // Interrupted: whatever the step threw on its way out, the run stopped because it was asked to.
    const error: unknown = abort.signal.aborted ? abort.signal.reason : thrown;
    const status = error instanceof InterruptedError ? 'interrupted' : 'failed';
    let where = run.dir.dir;
    try {
      where = await run.finish(status, error);
    } catch (finishing) {
      // A full disk fails the manifest too: say so, and still report what stopped the run.
      io.stderr(`could not record the end of the run in ${path.relative(io.cwd, run.dir.dir) || run.dir.dir}/manifest.json: ${describeError(finishing, io.cwd)}`);
    }
    reportReuse();
    const folder = path.relative(io.cwd, where) || where;
    io.stderr(`run ${status}; its files are in ${folder}; continue it with: prune-run resume ${folder}`);
    if (options.json) printSummary(status, error, where);
    throw error;
  } finally {
    stopListening();
    active = null;
  }
  const where = await run.finish('succeeded');
  reportReuse();
  const folder = path.relative(io.cwd, where) || where;
  if (options.json) printSummary('succeeded', null, where);
  else io.stdout(folder);
  // The run worked and its folder is complete; failed expect: gates make the status 1.
  const status = reportExpectations(run.record, io.stderr);
  // Last, where a person looks when the command returns: the page that shows the run.
  io.stderr(`report: ${path.join(folder, 'report.html')}`);
  return status;
}
