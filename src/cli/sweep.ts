/**
 * `prune-run sweep`: runs a sweep file's points (all, or one shard's), writes a GitHub Actions
 * workflow for it, or merges points' run folders into the sweep report. Bad input — the sweep
 * file, a point the recipe refuses, the options — is reported before any point starts (exit 2).
 * Exit status: 0 every point succeeded; 1 they all finished but an expect: gate failed; 3 a point
 * failed; 130 interrupted.
 */
import { availableParallelism } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { checkPoints } from '../sweep/check.js';
import { runPoints, type PointRun } from '../sweep/execute.js';
import { mergeSweep } from '../sweep/merge.js';
import { parseShard, shardFromEnvironment, shardSlice, type Shard } from '../sweep/shard.js';
import { loadSweep, setArgument } from '../sweep/spec.js';
import { githubWorkflow } from '../sweep/workflow.js';
import { loadProjectConfig } from './config.js';
import { defaultStageCacheDir } from '../cache/home.js';
import { EXPECTATIONS_FAILED_STATUS, INTERRUPTED_STATUS, RUN_FAILED_STATUS, SUCCESS_STATUS } from './exitStatus.js';
import type { CliIo } from './io.js';

export const SWEEP_USAGE = `Usage: prune-run sweep [options] <sweep.yaml>
       prune-run sweep --github-workflow [--shards <n>] [--out <file>] <sweep.yaml>
       prune-run sweep merge [--name <name>] [--out <folder>] <run folder> [...]

Runs every point of a sweep file (a base recipe with a grid or a list of --set values, and seeds)
as its own run folder, in parallel processes that share the stage cache, then writes the sweep
report (sweep.html, sweep.json, TensorBoard's HParams experiment) into <runs dir>/sweep-<name>/.

Options:
  --shard <i/n>        run only shard i of n (1-based): a fixed slice of the points. Without it the
                       shard is read from PRUNE_RUN_SHARD (i/n), GitLab's CI_NODE_INDEX and
                       CI_NODE_TOTAL, or a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (with
                       --shards or PRUNE_RUN_SHARD_TOTAL); none: every point. A shard writes no report:
                       gather the shards' run folders and run prune-run sweep merge on them
  --shards <n>         how many shards (JOB_COMPLETION_INDEX; the workflow's matrix, default 4)
  --jobs <n>           points run at once (default: one per core)
  --dry-run            list the points (and the shard's) and exit; runs nothing
  --json               print the outcome as JSON on stdout
  --runs-dir, --backend, --no-cache, --allow-plugins, --seed: as for a run, passed to every point
  --github-workflow    write a GitHub Actions workflow running the sweep as --shards matrix jobs
                       (stage cache in actions/cache, run folders as artifacts, a merge job) to
                       --out (default .github/workflows/prune-run-sweep-<name>.yml)
  --name, --out        merge: the sweep's name (default: sweep) and the report's folder
                       (default: runs/sweep-<name>)`;

function wholeNumber(value: string | undefined, flag: string, min: number): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        shard: { type: 'string' },
        shards: { type: 'string' },
        jobs: { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        'runs-dir': { type: 'string' },
        backend: { type: 'string' },
        'no-cache': { type: 'boolean' },
        'allow-plugins': { type: 'boolean' },
        seed: { type: 'string' },
        'github-workflow': { type: 'boolean' },
        name: { type: 'string' },
        out: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`sweep: ${(error as Error).message}\nRun prune-run sweep --help for the options.`);
  }
}

const slash = (p: string) => p.split(path.sep).join('/');

export async function runSweep(argv: readonly string[], io: CliIo): Promise<number> {
  const merging = argv[0] === 'merge';
  const { values, positionals } = parse(merging ? argv.slice(1) : argv);
  if (values.help === true) {
    io.stdout(SWEEP_USAGE);
    return SUCCESS_STATUS;
  }
  const config = await loadProjectConfig(io.cwd);
  const runsDir = values['runs-dir'] !== undefined ? path.resolve(io.cwd, values['runs-dir']) : (config.runsDir ?? path.resolve(io.cwd, 'runs'));
  if (merging) {
    const name = values.name ?? 'sweep';
    const out = values.out ?? path.join(runsDir, `sweep-${name}`);
    const report = await mergeSweep(name, positionals, out, io.cwd);
    io.stderr(`merged ${report.points.length} points; varying: ${report.varying.join(', ') || 'nothing'}`);
    io.stdout(values.json === true ? JSON.stringify(report, null, 2) : path.relative(io.cwd, path.resolve(io.cwd, out)) || out);
    return SUCCESS_STATUS;
  }
  if (positionals.length !== 1) throw new UsageError(`sweep: expected one sweep file, got ${positionals.length}\n\n${SWEEP_USAGE}`);
  const sweep = await loadSweep(positionals[0]!, io.cwd);
  const recipe = path.relative(io.cwd, sweep.recipe) || sweep.recipe;
  const shards = wholeNumber(values.shards, '--shards', 1);

  if (values['github-workflow'] === true) {
    const out = path.resolve(io.cwd, values.out ?? path.join('.github', 'workflows', `prune-run-sweep-${sweep.name}.yml`));
    const cacheDir = config.cacheDir ?? defaultStageCacheDir(io.env);
    const text = githubWorkflow({
      name: sweep.name,
      sweepFile: slash(path.relative(io.cwd, path.resolve(io.cwd, sweep.file))),
      recipeFile: slash(recipe),
      shards: shards ?? 4,
      cacheDir: slash(path.relative(io.cwd, cacheDir)),
      nodeVersion: Number(process.versions.node.split('.')[0]),
    });
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, text);
    io.stdout(path.relative(io.cwd, out));
    return SUCCESS_STATUS;
  }

  const allowPlugins = values['allow-plugins'] === true || config.allowPlugins === true;
  const seed = wholeNumber(values.seed, '--seed', 0);
  await checkPoints(sweep, recipe, { cwd: io.cwd, defaultSeed: seed ?? config.seed ?? 0, allowPlugins, dataLocations: { configured: config.datasets } });
  const shard: Shard | null = values.shard !== undefined ? parseShard(values.shard) : shardFromEnvironment(process.env, shards);
  const points = shardSlice(sweep.points, shard);
  const where = shard === null ? `all ${sweep.points.length} points` : `shard ${shard.index}/${shard.total} (${shard.source}): ${points.length} of ${sweep.points.length} points`;
  io.stderr(`sweep ${sweep.name}: ${where}${points.length === 0 ? '' : ` (${points.map((p) => p.id).join(', ')})`}`);
  if (values['dry-run'] === true) {
    const listed = points.map((p) => ({ id: p.id, set: p.overrides.map(setArgument) }));
    io.stdout(values.json === true ? JSON.stringify({ sweep: sweep.name, shard, points: listed }, null, 2) : listed.map((p) => `${p.id}  ${p.set.join(' ')}`).join('\n'));
    return SUCCESS_STATUS;
  }

  const cores = availableParallelism();
  const jobs = wholeNumber(values.jobs, '--jobs', 1) ?? cores;
  const parallel = Math.max(1, Math.min(jobs, points.length));
  const args = [
    '--runs-dir', runsDir,
    // The processes share the cores; threads change only the speed (the weights are the same).
    '--threads', String(Math.max(1, Math.floor(cores / parallel))),
    ...(values.backend === undefined ? [] : ['--backend', values.backend]),
    ...(values['no-cache'] === true ? ['--no-cache'] : []),
    ...(allowPlugins ? ['--allow-plugins'] : []),
    ...(seed === null ? [] : ['--seed', String(seed)]),
  ];
  const results = await runPoints(points, { recipe, cwd: io.cwd, jobs: parallel, args, log: io.stderr });
  const finished = results.filter((r) => r.summary?.status === 'succeeded');
  let report: string | null = null;
  if (shard === null && finished.length === results.length && results.length > 0) {
    const out = values.out ?? path.join(runsDir, `sweep-${sweep.name}`);
    await mergeSweep(sweep.name, finished.map((r) => r.summary!.folder), out, io.cwd);
    report = path.relative(io.cwd, path.resolve(io.cwd, out)) || out;
  }
  printOutcome(results, report, values.json === true, io);
  return statusOf(results);
}

function printOutcome(results: readonly PointRun[], report: string | null, json: boolean, io: CliIo): void {
  if (json) {
    const points = results.map((r) => ({ id: r.point.id, set: r.point.overrides.map(setArgument), exitStatus: r.status, status: r.summary?.status ?? null, folder: r.summary?.folder ?? null }));
    io.stdout(JSON.stringify({ points, report }, null, 2));
    return;
  }
  for (const r of results) io.stdout(r.summary === null ? `${r.point.id}: no run (exit status ${String(r.status)})` : path.relative(io.cwd, r.summary.folder) || r.summary.folder);
  if (report !== null) io.stdout(report);
  const failed = results.filter((r) => r.summary?.status !== 'succeeded');
  if (failed.length > 0) io.stderr(`${failed.length} point(s) did not finish (${failed.map((r) => r.point.id).join(', ')}): no sweep report; their .partial folders can be resumed with prune-run resume`);
}

function statusOf(results: readonly PointRun[]): number {
  if (results.some((r) => r.status === INTERRUPTED_STATUS || r.status === null)) return INTERRUPTED_STATUS;
  if (results.some((r) => r.summary?.status !== 'succeeded')) return RUN_FAILED_STATUS;
  return results.some((r) => r.status === EXPECTATIONS_FAILED_STATUS) ? EXPECTATIONS_FAILED_STATUS : SUCCESS_STATUS;
}
