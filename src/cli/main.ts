/**
 * The prune-run command. Returns the exit status (exitStatus.ts): 0 success, 1 the run finished
 * but an `expect:` gate failed, 2 bad input, 3 the run failed, 130 interrupted (143 by SIGTERM).
 * Bad input (recipe, flags, config, an output folder that cannot be written) is detected before a
 * run folder is created, so it never leaves anything under runs/. No stack trace is printed
 * unless asked for (--debug, PRUNE_RUN_DEBUG=1; failure.ts).
 */
import path from 'node:path';
import type { BackendRequest } from '../engine/backend/request.js';
import { InterruptedError, isBadInput, PruneRunError, STOP_SIGNALS, UsageError } from '../errors.js';
import { formatPlan } from '../plan/format.js';
import { channelGroups } from '../models/channelGroups.js';
import { prepareRun, withSensitivityPlan } from '../runner/prepare.js';
import { DEFAULT_SENSITIVITY_AMOUNTS } from '../recipe/types.js';
import { knownAllocations } from '../runner/knownAllocations.js';
import { PRUNE_RUN_VERSION } from '../version.js';
import { parseCliArgs, USAGE } from './args.js';
import { runCompare } from './compare.js';
import { defaultStageCacheDir } from '../cache/home.js';
import { driveRun, failActiveRun } from './drive.js';
import { debugRequested, debugText, describeError } from './failure.js';
import { checkRunsFolder } from './outputFolder.js';
import { BAD_INPUT_STATUS, INTERRUPTED_STATUS, RUN_FAILED_STATUS, SUCCESS_STATUS } from './exitStatus.js';
import type { CliIo } from './io.js';
import { runResume } from './resume.js';
import { runSweep } from './sweep.js';
import { loadProjectConfig } from './config.js';

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  progress: process.stderr,
  cwd: process.cwd(),
  env: process.env,
};

/** Prints what went wrong (one line, or the stack trace when asked for) and returns the exit status. */
function reportFailure(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof InterruptedError) {
    io.stderr(`prune-run: ${error.message}`);
    return STOP_SIGNALS[error.signal];
  }
  if (error instanceof PruneRunError && error.code === 'INTERRUPTED') {
    io.stderr('prune-run: interrupted');
    return INTERRUPTED_STATUS;
  }
  const text = describeError(error, io.cwd);
  io.stderr(isBadInput(error) ? text : `prune-run failed: ${text}`);
  if (debug) io.stderr(debugText(error));
  // Not 1: that is a run whose gates failed, which CI must tell from a run that broke.
  return isBadInput(error) ? BAD_INPUT_STATUS : RUN_FAILED_STATUS;
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    return await runCli(argv, io);
  } catch (error) {
    return reportFailure(error, io, debugRequested(argv));
  }
}

/** How long a run stopped by an error that escaped every handler gets to write its manifest before the process ends anyway. */
const FATAL_GRACE_MS = 10_000;

/**
 * The command as a process (bin/prune-run.js): main's exit status, and a last line of defence for
 * an error that escapes every handler (an uncaught exception or unhandled rejection, from an event
 * emitter or a stray promise): one line and exit 3, never Node's stack dump. A run under way is
 * stopped as failed with that error first, so its manifest says why.
 */
export async function runProcess(argv: readonly string[]): Promise<void> {
  const debug = debugRequested(argv);
  const fatal = (error: unknown) => {
    if (failActiveRun(error)) {
      setTimeout(() => process.exit(reportFailure(error, processIo, debug)), FATAL_GRACE_MS).unref();
      return;
    }
    process.exit(reportFailure(error, processIo, debug));
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  process.exitCode = await main(argv);
}

async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === 'compare') return runCompare(argv.slice(1), io);
  if (argv[0] === 'resume') return runResume(argv.slice(1), io);
  if (argv[0] === 'sweep') return runSweep(argv.slice(1), io);
  const sensitivity = argv[0] === 'sensitivity';
  const args = parseCliArgs(sensitivity ? argv.slice(1) : argv);
  if (!sensitivity && args.amounts !== null) throw new UsageError('--amounts belongs to prune-run sensitivity (the amounts its analysis measures at)');
  if (args.help) {
    io.stdout(USAGE);
    return SUCCESS_STATUS;
  }
  if (args.version) {
    io.stdout(PRUNE_RUN_VERSION);
    return SUCCESS_STATUS;
  }
  if (args.recipe === null) {
    io.stderr(`prune-run: no recipe given\n\n${USAGE}`);
    return BAD_INPUT_STATUS;
  }
  const config = await loadProjectConfig(io.cwd);
  const runsDir = args.runsDir !== null ? path.resolve(io.cwd, args.runsDir) : (config.runsDir ?? path.resolve(io.cwd, 'runs'));
  // Before anything runs (plugins, data): a run that cannot be written is refused as bad input.
  if (!args.dryRun) {
    const source = args.runsDir !== null ? '--runs-dir' : config.runsDir !== null ? `runsDir in ${config.file ?? 'the project config'}` : 'the default';
    await checkRunsFolder(runsDir, args.runsDir ?? (path.relative(io.cwd, runsDir) || runsDir), source);
  }
  const defaultSeed = args.seed ?? config.seed ?? 0;
  const allowPlugins = args.allowPlugins || config.allowPlugins === true;
  const dataLocations = { configured: config.datasets };
  const recipeRun = await prepareRun(args.recipe, { defaultSeed, cwd: io.cwd, overrides: args.overrides, allowPlugins, dataLocations });
  const prepared = sensitivity ? withSensitivityPlan(recipeRun, args.amounts ?? DEFAULT_SENSITIVITY_AMOUNTS) : recipeRun;
  for (const plugin of prepared.plugins) io.stderr(`loaded plugin ${plugin.file} (sha256 ${plugin.sha256}): "${plugin.name}", ${plugin.kind}`);
  const backend: BackendRequest = args.backend ?? config.backend ?? 'auto';
  const threads = args.threads ?? config.threads;
  const cacheDir = args.noCache ? null : (config.cacheDir ?? defaultStageCacheDir(io.env));
  if (args.dryRun) {
    if (args.json) io.stdout(JSON.stringify(prepared.plan, null, 2));
    else io.stdout(formatPlan(prepared.plan, channelGroups(prepared.model), await knownAllocations(prepared, { backend, threads, cacheDir })));
    return SUCCESS_STATUS;
  }

  // Loaded only here: the runner reaches TF.js, which --help, --dry-run, compare and bad input never need (~1 s of CPU per process).
  const { RecipeRun } = await import('../runner/recipeRun.js');
  const run = await RecipeRun.start(prepared, { runsDir, backend, threads, cacheDir, cacheMaxMB: config.cacheMaxMB });
  return driveRun(run, prepared, { ...args, threads }, io);
}
