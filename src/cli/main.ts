/**
 * The prune-run command. Returns the exit status (exitStatus.ts): 0 success, 1 the run finished
 * but an `expect:` gate failed, 2 bad input, 3 the run failed, 130 interrupted. Bad input
 * (recipe, flags, config) is detected before a run folder is created, so it never leaves
 * anything under runs/.
 */
import path from 'node:path';
import type { BackendRequest } from '../engine/backend/select.js';
import { isBadInput, PruneRunError } from '../errors.js';
import { formatPlan } from '../plan/format.js';
import { channelGroups } from '../models/channelGroups.js';
import { prepareRun } from '../runner/prepare.js';
import { RecipeRun } from '../runner/recipeRun.js';
import { PRUNE_RUN_VERSION } from '../version.js';
import { parseCliArgs, USAGE } from './args.js';
import { runCompare } from './compare.js';
import { defaultStageCacheDir } from '../cache/home.js';
import { driveRun } from './drive.js';
import { BAD_INPUT_STATUS, INTERRUPTED_STATUS, RUN_FAILED_STATUS, SUCCESS_STATUS } from './exitStatus.js';
import type { CliIo } from './io.js';
import { runResume } from './resume.js';
import { loadProjectConfig } from './config.js';

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  progress: process.stderr,
  cwd: process.cwd(),
  env: process.env,
};

function errorText(error: unknown): string {
  if (error instanceof PruneRunError) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    return await runCli(argv, io);
  } catch (error) {
    if (error instanceof PruneRunError && error.code === 'INTERRUPTED') {
      io.stderr('prune-run: interrupted');
      return INTERRUPTED_STATUS;
    }
    io.stderr(isBadInput(error) ? errorText(error) : `prune-run failed: ${errorText(error)}`);
    // Not 1: that is a run whose gates failed, which CI must tell from a run that broke.
    return isBadInput(error) ? BAD_INPUT_STATUS : RUN_FAILED_STATUS;
  }
}

async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === 'compare') return runCompare(argv.slice(1), io);
  if (argv[0] === 'resume') return runResume(argv.slice(1), io);
  const args = parseCliArgs(argv);
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
  const defaultSeed = args.seed ?? config.seed ?? 0;
  const allowPlugins = args.allowPlugins || config.allowPlugins === true;
  const dataLocations = { configured: config.datasets };
  const prepared = await prepareRun(args.recipe, { defaultSeed, cwd: io.cwd, overrides: args.overrides, allowPlugins, dataLocations });
  for (const plugin of prepared.plugins) io.stderr(`loaded plugin ${plugin.file} (sha256 ${plugin.sha256}): "${plugin.name}", ${plugin.kind}`);
  if (args.dryRun) {
    io.stdout(args.json ? JSON.stringify(prepared.plan, null, 2) : formatPlan(prepared.plan, channelGroups(prepared.model)));
    return SUCCESS_STATUS;
  }

  const backend: BackendRequest = args.backend ?? config.backend ?? 'auto';
  const runsDir = args.runsDir !== null ? path.resolve(io.cwd, args.runsDir) : (config.runsDir ?? path.resolve(io.cwd, 'runs'));
  const threads = args.threads ?? config.threads;
  const cacheDir = args.noCache ? null : (config.cacheDir ?? defaultStageCacheDir(io.env));
  const run = await RecipeRun.start(prepared, { runsDir, backend, threads, cacheDir, cacheMaxMB: config.cacheMaxMB });
  return driveRun(run, prepared, { ...args, threads }, io);
}
