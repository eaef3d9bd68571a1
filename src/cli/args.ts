/** Command-line parsing: node's parseArgs with our flags; usage errors exit with status 2. */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { BACKEND_REQUESTS, type BackendRequest } from '../engine/backend/request.js';
import { RecipeOverride } from '../recipe/overrides.js';
import { threadsProblem } from './threads.js';

export interface CliArgs {
  readonly recipe: string | null;
  readonly help: boolean;
  readonly version: boolean;
  readonly dryRun: boolean;
  /** --allow-plugins: load the plugin modules a recipe names (method: custom). */
  readonly allowPlugins: boolean;
  readonly json: boolean;
  /** --set path=value, in the order given (a later one wins where they overlap). */
  readonly overrides: readonly RecipeOverride[];
  readonly backend: BackendRequest | null;
  readonly runsDir: string | null;
  readonly seed: number | null;
  readonly threads: number | null;
  readonly progress: 'auto' | 'tty' | 'plain';
  /** --no-cache: neither reuse nor fill the stage cache. */
  readonly noCache: boolean;
  /** --debug: a failure prints its stack trace (failure.ts; PRUNE_RUN_DEBUG=1 does the same). */
  readonly debug: boolean;
  /** --amounts 0.1,0.5,0.9 (prune-run sensitivity): the amounts to measure at, ascending; null: not given. */
  readonly amounts: readonly number[] | null;
}

export const USAGE = `Usage: prune-run [options] <recipe.yaml>
       prune-run sensitivity [--amounts a,b,...] [options] <recipe.yaml>
       prune-run compare [--json] <run folder> <run folder> [...]
       prune-run resume [options] <runs/id.partial>
       prune-run sweep [options] <sweep.yaml>     (prune-run sweep --help)

Compiles a pruning recipe into a plan, runs it on TensorFlow.js and writes the run to runs/<id>/.
sensitivity runs the recipe's training (reused from the stage cache when it ran before), then
prunes each parameter its stages select, and each channel group its filters steps put up, alone
at each amount, evaluates on the test split and restores; it writes sensitivity.json,
sensitivity.csv and the curves in report.html to a run folder.
compare prints finished runs side by side (per stage and per parameter), with each run's
differences to the first; --json gives the same as data. resume continues an interrupted or
failed run from its last finished task (its checkpoints) and ends as an uninterrupted run would.

Options:
  --dry-run            print the plan (tasks, selected parameters) and exit; runs nothing
  --json               print one JSON summary of the run on stdout at its end, whether it
                       succeeded, failed or was interrupted (progress stays on stderr);
                       with --dry-run: print the plan as JSON
  --set <path=value>   override a recipe value, e.g. --set stages.0.global.amount=0.5 or
                       --set train.epochs=1 (repeatable; the value is YAML; checked by the schema;
                       recorded in resolved.json and manifest.json, and part of the run id's hash)
  --allow-plugins      load the plugin modules the recipe names (method: custom, module: ...);
                       a recipe is data, so without this (or allowPlugins: true in the project
                       config) such a recipe is refused; modules load only from inside the
                       recipe's folder, and each one loaded is printed with its sha256
  --backend <name>     auto (default: tfjs-node if installed, else wasm), tensorflow, wasm, or cpu
                       (cpu is never chosen automatically: it trains ~70x slower than wasm)
  --runs-dir <dir>     where runs are written (default: runs/, or runsDir in the project config)
  --seed <n>           seed for a recipe that sets none (default: the project config's, else 0)
  --threads <n>        threads for training on wasm: 1, or 2 on a machine with two cores or more
                       (default: one per core, at most 2; each batch's gradient has 2 fixed
                       shards); they change the speed only: the weights are the same for any number
  --progress <mode>    auto (live tree on a terminal, plain lines otherwise), tty, or plain
  --amounts <list>     sensitivity only: the amounts to prune each subject at, comma-separated
                       fractions in (0, 1] (default 0.1,0.2,...,0.9,0.95)
  --no-cache           run every task: neither reuse the stage cache nor add to it (default: a
                       task whose configuration, inputs and engine match an earlier one is reused
                       from the stage cache: prune-run/stages in the user's cache folder,
                       $XDG_CACHE_HOME or ~/.cache on Linux, or cacheDir in the project config)
  --debug              on a failure, print the stack trace (also: PRUNE_RUN_DEBUG=1)
  -h, --help           show this help
  -v, --version        show the version

Project defaults (runsDir, cacheDir, cacheMaxMB, backend, seed, threads, allowPlugins, datasets) are read from a "prune-run" key in package.json,
.prune-runrc(.json|.yaml|.yml|.js|.mjs|.cjs) or prune-run.config.(js|mjs|cjs|json|yaml|yml).

Exit status: 0 success; 1 the run finished (its folder is complete) but an expect: gate of the
recipe failed (each failed one is listed on stderr); 2 bad input (recipe, options, configuration,
an output folder that cannot be written, a run folder another process is writing); 3 the run
failed (its folder stays .partial, the reason in its manifest); 130 interrupted (Ctrl-C, SIGINT);
143 stopped by SIGTERM. A second Ctrl-C ends the process at once.`;

export const COMPARE_USAGE = `Usage: prune-run compare [--json] <run folder> <run folder> [...]

Prints finished runs side by side: headline rows (final accuracy, global sparsity, parameters and
nonzeros, model sizes, compact speed where measured), each stage (matched by name; a stage a run
does not have shows —) with the amount asked for, its sparsity and accuracies and each parameter's
sparsity, each parameter of the final models, and the runs' expect: gates, with every run's
difference to the first (B − A; fractions in percentage points). Reads record.json, manifest.json
and resolved.json of each folder; a .partial or failed run is refused.

Options:
  --json               print the comparison as one JSON document instead of a table
  -h, --help           show this help

Exit status: 0 printed; 2 bad input (fewer than two folders, a folder that is not a finished run).`;

export const RESUME_USAGE = `Usage: prune-run resume [options] <runs/id.partial>

Continues a run that was interrupted (Ctrl-C) or failed, from its last finished task: the run
folder's recipe.yaml and --set overrides are compiled again and must give the plan the run started
with (else it is refused: start a new run), every checkpointed task is reused, a training task
goes on from its last epoch checkpoint, and the run ends as an uninterrupted one would, renamed to
runs/<id>/. The recipe, overrides, seed and folder are the run's own: --set, --seed, --dry-run and
--runs-dir do not apply.

Options:
  --json               print one JSON summary of the run on stdout at its end
  --allow-plugins      load the plugin modules the recipe names (as for the first run)
  --backend <name>     the backend the run started on (another one is refused), or auto
  --threads <n>        threads for training on wasm: 1, or 2 on a machine with two cores or more
  --progress <mode>    auto, tty, or plain
  --no-cache           neither reuse the stage cache nor add to it
  -h, --help           show this help

Exit status: as prune-run's: 0 success; 1 an expect: gate failed; 2 bad input (not an unfinished
run, its plan changed, a run still going); 3 the run failed again; 130 interrupted.`;

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        'dry-run': { type: 'boolean' },
        'allow-plugins': { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        debug: { type: 'boolean' },
        json: { type: 'boolean' },
        set: { type: 'string', multiple: true },
        backend: { type: 'string' },
        'runs-dir': { type: 'string' },
        seed: { type: 'string' },
        threads: { type: 'string' },
        progress: { type: 'string' },
        amounts: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nRun prune-run --help for the options.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(`expected one recipe file, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  let seed: number | null = null;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number ≥ 0, got "${values.seed}"`);
  }
  let threads: number | null = null;
  if (values.threads !== undefined) {
    threads = /^\s*\d+\s*$/.test(values.threads) ? Number(values.threads) : NaN;
    const problem = threadsProblem(threads, JSON.stringify(values.threads));
    if (problem !== null) throw new UsageError(`--threads ${problem}`);
  }
  return {
    amounts: values.amounts === undefined ? null : parseAmounts(values.amounts),
    recipe: positionals[0] ?? null,
    help: values.help ?? false,
    version: values.version ?? false,
    dryRun: values['dry-run'] ?? false,
    allowPlugins: values['allow-plugins'] ?? false,
    noCache: values['no-cache'] ?? false,
    debug: values.debug ?? false,
    json: values.json ?? false,
    overrides: (values.set ?? []).map((argument) => RecipeOverride.parse(argument)),
    backend: values.backend === undefined ? null : oneOf(values.backend, BACKEND_REQUESTS, '--backend'),
    runsDir: values['runs-dir'] ?? null,
    seed,
    threads,
    progress: values.progress === undefined ? 'auto' : oneOf(values.progress, ['auto', 'tty', 'plain'] as const, '--progress'),
  };
}

/** --amounts: comma-separated fractions in (0, 1], each once; returned ascending. */
export function parseAmounts(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  const amounts = parts.map((part) => {
    const value = part === '' ? Number.NaN : Number(part);
    if (!(value > 0 && value <= 1)) throw new UsageError(`--amounts takes fractions in (0, 1] separated by commas, e.g. 0.1,0.5,0.9; got "${part}" in "${text}"`);
    return value;
  });
  const repeated = amounts.find((a, i) => amounts.indexOf(a) !== i);
  if (repeated !== undefined) throw new UsageError(`--amounts lists ${String(repeated)} twice`);
  return amounts.sort((a, b) => a - b);
}
