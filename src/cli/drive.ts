/**
 * Drives a started (or resumed) run to its end: progress, Ctrl-C, the final manifest and what is
 * printed — the folder, or with --json the run's summary. Shared by `prune-run` and
 * `prune-run resume`.
 */
import path from 'node:path';
import { PruneRunError } from '../errors.js';
import type { PreparedRun } from '../runner/prepare.js';
import type { RecipeRun } from '../runner/recipeRun.js';
import type { RunStatus } from '../runs/runStatus.js';
import { exitReasonOf, summarizeRun } from '../runs/summary.js';
import { INTERRUPTED_STATUS } from './exitStatus.js';
import type { CliIo } from './io.js';
import { reportExpectations } from './expectations.js';
import { runTasksWithProgress } from './progress.js';

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
  const onSigint = () => {
    // A second Ctrl-C: leave at once. Files are written to a temporary name and renamed, so
    // none is left half-written; the run folder stays .partial with the checkpoints it has.
    if (abort.signal.aborted) process.exit(INTERRUPTED_STATUS);
    io.stderr('interrupted: stopping after the current step (Ctrl-C again to quit at once)');
    abort.abort(new PruneRunError('INTERRUPTED', 'interrupted by the user'));
  };
  process.on('SIGINT', onSigint);
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
  } catch (error) {
    const status = abort.signal.aborted ? 'interrupted' : 'failed';
    const where = await run.finish(status, error);
    reportReuse();
    const folder = path.relative(io.cwd, where) || where;
    io.stderr(`run ${status}; its files are in ${folder}; continue it with: prune-run resume ${folder}`);
    if (options.json) printSummary(status, error, where);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
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
