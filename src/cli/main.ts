/**
 * The prune-run command. Returns the exit status: 0 success, 1 a run failed, 2 bad input.
 * Bad input (recipe, flags, config) is detected before a run folder is created, so it never
 * leaves anything under runs/.
 */
import path from 'node:path';
import type { BackendRequest } from '../engine/backend/select.js';
import { isBadInput, PruneRunError } from '../errors.js';
import { formatPlan } from '../plan/format.js';
import { prepareRun } from '../runner/prepare.js';
import { RecipeRun, type RunStatus } from '../runner/recipeRun.js';
import { exitReasonOf, summarizeRun } from '../runs/summary.js';
import { PRUNE_RUN_VERSION } from '../version.js';
import { parseCliArgs, USAGE } from './args.js';
import { runCompare } from './compare.js';
import { loadProjectConfig } from './config.js';
import { runTasksWithProgress } from './progress.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where listr2 draws progress (stderr for the real command). */
  readonly progress: NodeJS.WriteStream;
  readonly cwd: string;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  progress: process.stderr,
  cwd: process.cwd(),
};

function errorText(error: unknown): string {
  if (error instanceof PruneRunError) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

/** Exit status of a run stopped by Ctrl-C, as shells report SIGINT. */
const INTERRUPTED_STATUS = 130;

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    return await runCli(argv, io);
  } catch (error) {
    if (error instanceof PruneRunError && error.code === 'INTERRUPTED') {
      io.stderr('prune-run: interrupted');
      return INTERRUPTED_STATUS;
    }
    io.stderr(isBadInput(error) ? errorText(error) : `prune-run failed: ${errorText(error)}`);
    return isBadInput(error) ? 2 : 1;
  }
}

async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === 'compare') return runCompare(argv.slice(1), io);
  const args = parseCliArgs(argv);
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (args.version) {
    io.stdout(PRUNE_RUN_VERSION);
    return 0;
  }
  if (args.recipe === null) {
    io.stderr(`prune-run: no recipe given\n\n${USAGE}`);
    return 2;
  }
  const config = await loadProjectConfig(io.cwd);
  const defaultSeed = args.seed ?? config.seed ?? 0;
  const allowPlugins = args.allowPlugins || config.allowPlugins === true;
  const prepared = await prepareRun(args.recipe, { defaultSeed, cwd: io.cwd, overrides: args.overrides, allowPlugins });
  for (const plugin of prepared.plugins) io.stderr(`loaded plugin ${plugin.file} (sha256 ${plugin.sha256}): "${plugin.name}", ${plugin.kind}`);
  if (args.dryRun) {
    io.stdout(args.json ? JSON.stringify(prepared.plan, null, 2) : formatPlan(prepared.plan));
    return 0;
  }

  const backend: BackendRequest = args.backend ?? config.backend ?? 'auto';
  const runsDir = args.runsDir !== null ? path.resolve(io.cwd, args.runsDir) : (config.runsDir ?? path.resolve(io.cwd, 'runs'));
  const threads = args.threads ?? config.threads;
  const run = await RecipeRun.start(prepared, { runsDir, backend, threads });
  io.stderr(`run ${run.dir.id} on ${run.record.backend}`);
  for (const note of run.backend.notes) io.stderr(`  note: ${note}`);
  const used = run.sharding?.threads ?? 1;
  if (threads !== null && threads > used) {
    io.stderr(
      `  note: training uses ${used} thread${used === 1 ? '' : 's'}, not ${threads}: ` +
        (run.sharding === null ? `backend ${run.backend.name} runs its own threads` : `each batch's gradient has ${run.sharding.shards} shards`),
    );
  }

  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(INTERRUPTED_STATUS); // a second Ctrl-C: leave at once
    io.stderr('interrupted: stopping after the current step (Ctrl-C again to quit at once)');
    abort.abort(new PruneRunError('INTERRUPTED', 'interrupted by the user'));
  };
  process.on('SIGINT', onSigint);
  // --json: the run's summary is the only thing on stdout, however the run ends.
  const printSummary = (status: RunStatus, error: unknown, folder: string) => {
    const overrides = prepared.overrides.map((o) => o.toRecord());
    io.stdout(JSON.stringify(summarizeRun(run.record, { status, exitReason: exitReasonOf(error), folder, overrides }), null, 2));
  };
  try {
    const live = args.progress === 'tty' || (args.progress === 'auto' && io.progress.isTTY === true);
    await runTasksWithProgress(run, prepared.plan.tasks, { live, signal: abort.signal, stream: io.progress });
  } catch (error) {
    const status = abort.signal.aborted ? 'interrupted' : 'failed';
    const where = await run.finish(status, error);
    io.stderr(`run ${status}; its files are in ${path.relative(io.cwd, where) || where}`);
    if (args.json) printSummary(status, error, where);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const where = await run.finish('succeeded');
  if (args.json) printSummary('succeeded', null, where);
  else io.stdout(`${path.relative(io.cwd, where) || where}`);
  return 0;
}
