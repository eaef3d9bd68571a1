/**
 * `prune-run resume runs/<id>.partial`: continues a run that was interrupted or failed. The run
 * folder holds everything needed: recipe.yaml (the text as given), the --set overrides in its
 * manifest, plan.json, and a checkpoint of every task that finished. The recipe is compiled again
 * and must give the same plan — if the recipe's files, the data or prune-run changed, resuming
 * would mix two experiments, so it is refused. The folder's lock is taken before anything of it is
 * read, so a second resume of the same folder is refused (exit 2) with the first one's pid.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import type { BackendRequest } from '../engine/backend/request.js';
import { UsageError } from '../errors.js';
import { canonicalJson } from '../cache/keys.js';
import { RecipeOverride, type OverrideRecord } from '../recipe/overrides.js';
import { readRecipeText } from '../recipe/source.js';
import { prepareRunFromText, withSensitivityPlan } from '../runner/prepare.js';
import { MAX_RUN_JSON_BYTES, RunDirectory } from '../runs/runDirectory.js';
import { sha256Hex } from '../util/sha256.js';
import { fileRefusalMessage, FileRefusedError, readRegularText } from '../util/regularFile.js';
import { processIsAlive, RunLock } from '../runs/runLock.js';
import type { ManifestStatus } from '../runs/runStatus.js';
import { parseCliArgs, RESUME_USAGE } from './args.js';
import { SUCCESS_STATUS } from './exitStatus.js';
import { loadProjectConfig } from './config.js';
import { defaultStageCacheDir } from '../cache/home.js';
import { driveRun } from './drive.js';
import type { CliIo } from './io.js';

interface SavedManifest {
  status?: ManifestStatus;
  process?: { pid?: number; host?: string };
  startedAt?: string;
  stoppedInTask?: string | null;
  resumes?: { at: string; from: string | null }[];
  backend?: { name?: string };
  seed?: number;
  recipe?: { file?: string; sha256?: string; textSha256?: string; overrides?: OverrideRecord[] };
}

/** What a field read below must be when it is there; a folder someone edited is refused before any is used. */
const MANIFEST_FIELDS: readonly (readonly [string, (value: unknown) => boolean, string])[] = [
  ['status', (v) => typeof v === 'string', 'a string'],
  ['process', (v) => isObject(v) && (v['pid'] === undefined || typeof v['pid'] === 'number') && (v['host'] === undefined || typeof v['host'] === 'string'), 'an object {pid, host}'],
  ['startedAt', (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'a date'],
  ['stoppedInTask', (v) => v === null || typeof v === 'string', 'a task id or null'],
  ['resumes', (v) => Array.isArray(v) && v.every((r) => isObject(r) && typeof r['at'] === 'string'), 'a list of {at, from}'],
  ['backend', (v) => isObject(v) && (v['name'] === undefined || typeof v['name'] === 'string'), 'an object {name}'],
  ['seed', (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0, 'a seed'],
  [
    'recipe',
    (v) => isObject(v) && (v['overrides'] === undefined || (Array.isArray(v['overrides']) && v['overrides'].every((o) => isObject(o) && typeof o['path'] === 'string'))),
    'an object {file, sha256, overrides}',
  ],
];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkManifest(manifest: Record<string, unknown>, folder: string): void {
  for (const [key, ok, what] of MANIFEST_FIELDS) {
    if (manifest[key] !== undefined && !ok(manifest[key])) {
      throw new UsageError(`${folder}: manifest.json's ${key} is not ${what} (${JSON.stringify(manifest[key])?.slice(0, 60) ?? 'nothing'}); the folder was edited or is not a prune-run run folder, and cannot be resumed`);
    }
  }
}

/**
 * Whether the process that wrote a `running` manifest still exists (on this machine; elsewhere we
 * cannot tell, and assume not): a folder written by a prune-run from before run locks.
 */
function isAlive(writer: SavedManifest['process']): boolean {
  return writer?.pid !== undefined && writer.host === hostname() && processIsAlive(writer.pid);
}

async function readJson<T>(file: string, what: string, folder: string): Promise<T> {
  let text: string;
  try {
    text = await readRegularText(file, MAX_RUN_JSON_BYTES);
  } catch (error) {
    if (!(error instanceof FileRefusedError)) throw error;
    if (error.refusal.kind === 'missing') throw new UsageError(`${folder}: has no ${what}; it is not a prune-run run folder (or was written by a prune-run that cannot resume)`);
    throw new UsageError(`${folder}: ${fileRefusalMessage('run file', what, error.refusal)}; the run cannot be resumed`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${folder}: ${what} is not valid JSON; the run cannot be resumed`);
  }
  // Every field is read as optional below; a value that is no object at all has none of them.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${folder}: ${what} is not a JSON object; the run cannot be resumed`);
  return value as T;
}

export async function runResume(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) {
    io.stdout(RESUME_USAGE);
    return SUCCESS_STATUS;
  }
  const folder = args.recipe;
  if (folder === null) throw new UsageError('prune-run resume: give the unfinished run folder, e.g. prune-run resume runs/20261201-101500Z-1a2b3c4d.partial');
  for (const [given, flag] of [
    [args.overrides.length > 0, '--set'],
    [args.seed !== null, '--seed'],
    [args.dryRun, '--dry-run'],
    [args.runsDir !== null, '--runs-dir'],
    [args.amounts !== null, '--amounts'],
  ] as const) {
    if (given) throw new UsageError(`prune-run resume: ${flag} does not apply; a resumed run keeps the recipe, overrides, seed and folder it started with`);
  }
  const dir = path.resolve(io.cwd, folder);
  if (!dir.endsWith('.partial')) throw new UsageError(`${folder}: not an unfinished run (its name does not end in .partial); only those can be resumed`);
  const lock = await lockFolder(dir, folder);
  if (lock.tookOver !== null) io.stderr(`note: ${folder} was locked by ${lock.tookOver}; its lock is taken over`);
  try {
    return await resumeLocked(dir, folder, lock, args, io);
  } catch (error) {
    // Refused before the run took the folder over: let it go for the next try.
    await lock.release();
    throw error;
  }
}

/** The folder's lock; a folder that is not there is said so, not a lock problem. */
async function lockFolder(dir: string, folder: string): Promise<RunLock> {
  try {
    return await RunLock.acquire(dir, folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`${folder}: no such run folder`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UsageError(`${folder}: cannot write in it (${String(code)}); a resume writes the run on into its folder`);
    throw error;
  }
}

async function resumeLocked(dir: string, folder: string, lock: RunLock, args: ReturnType<typeof parseCliArgs>, io: CliIo): Promise<number> {
  const manifest = await readJson<SavedManifest>(path.join(dir, 'manifest.json'), 'manifest.json', folder);
  checkManifest(manifest as Record<string, unknown>, folder);
  if (manifest.status === 'succeeded') throw new UsageError(`${folder}: the run succeeded; there is nothing to resume`);
  if (manifest.status === 'running' && isAlive(manifest.process)) {
    throw new UsageError(`${folder}: the run is still going (process ${String(manifest.process?.pid)}); stop it first (Ctrl-C), then resume`);
  }
  const savedPlan = await readJson<{ recipe?: { file?: string }; command?: string; tasks?: { kind?: string; amounts?: number[] }[] }>(path.join(dir, 'plan.json'), 'plan.json', folder);
  if (savedPlan.tasks !== undefined && !(Array.isArray(savedPlan.tasks) && savedPlan.tasks.every(isObject))) throw new UsageError(`${folder}: plan.json's tasks are not a list of tasks; the run cannot be resumed`);
  const recipeFile = isObject(savedPlan.recipe) ? savedPlan.recipe.file : undefined;
  if (typeof recipeFile !== 'string') throw new UsageError(`${folder}: plan.json names no recipe file`);
  let text: string;
  try {
    // Decoded as the first run decoded the recipe (strict UTF-8, the bytes kept), so the hash agrees.
    text = await readRecipeText(path.join(dir, 'recipe.yaml'), path.join(folder, 'recipe.yaml'));
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${folder}: has no readable recipe.yaml; the run cannot be resumed`);
    throw error;
  }
  const textSha256 = manifest.recipe?.textSha256;
  if (typeof textSha256 === 'string' && sha256Hex(text) !== textSha256) {
    throw new UsageError(`${folder}: recipe.yaml is not the recipe the run started with (its sha256 is not the manifest's recipe.textSha256); start a new run instead`);
  }

  const config = await loadProjectConfig(io.cwd);
  const overrides = (manifest.recipe?.overrides ?? []).map((o) => RecipeOverride.parse(`${o.path}=${JSON.stringify(o.value)}`));
  // The recipe's relative paths (data, masks, plugins) are taken from where it was, as on the first run.
  const compiled = await prepareRunFromText(text, recipeFile, {
    defaultSeed: manifest.seed ?? 0,
    overrides,
    allowPlugins: args.allowPlugins || config.allowPlugins === true,
    dataLocations: { configured: config.datasets },
  });
  // A sensitivity run's plan is the recipe's training and the analysis at the amounts it was given.
  const amounts = savedPlan.tasks?.find((t) => t.kind === 'sensitivity')?.amounts ?? [];
  const prepared = savedPlan.command === 'sensitivity' ? withSensitivityPlan(compiled, amounts) : compiled;
  const recipeSha256 = manifest.recipe?.sha256;
  if (typeof recipeSha256 === 'string' && prepared.recipe.hash !== recipeSha256) {
    throw new UsageError(`${folder}: the recipe and its --set values are not what the run started with (their sha256 is not the manifest's recipe.sha256); start a new run instead`);
  }
  if (canonicalJson(prepared.plan) !== canonicalJson(savedPlan)) {
    throw new UsageError(
      `${folder}: the recipe now compiles to a different plan than the run started with (its files, its data or prune-run changed); ` +
        'start a new run instead',
    );
  }
  const backend = (args.backend ?? manifest.backend?.name ?? 'auto') as BackendRequest;
  if (manifest.backend?.name !== undefined && args.backend !== null && args.backend !== 'auto' && args.backend !== manifest.backend.name) {
    throw new UsageError(`${folder}: the run started on ${manifest.backend.name}; resuming it on ${args.backend} would mix two backends' numbers`);
  }
  const threads = args.threads ?? config.threads;
  // Loaded only here: the runner reaches TF.js, which a refused resume never needs (main.ts).
  const { RecipeRun } = await import('../runner/recipeRun.js');
  const run = await RecipeRun.resume(prepared, await RunDirectory.open(dir, lock), {
    runsDir: path.dirname(dir),
    backend,
    threads,
    cacheDir: args.noCache ? null : (config.cacheDir ?? defaultStageCacheDir(io.env)),
    cacheMaxMB: config.cacheMaxMB,
    startedAt: new Date(manifest.startedAt ?? Date.now()),
    resumes: manifest.resumes ?? [],
    stoppedIn: manifest.stoppedInTask ?? null,
  });
  io.stderr(`resuming ${folder}` + (manifest.stoppedInTask ? ` (it stopped in ${manifest.stoppedInTask})` : ''));
  return driveRun(run, prepared, { json: args.json, progress: args.progress, threads }, io);
}
