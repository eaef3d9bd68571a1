/**
 * Project defaults through cosmiconfig (`prune-run` key), checked against
 * schemas/config.schema.json with ajv. Searched from the working directory up to the project
 * root. Unknown keys and wrong types are errors, located at file:line:col in the file's own text
 * when it is JSON or YAML (package.json, .prune-runrc, *.json, *.yaml) and with a did-you-mean: a
 * misspelt `runDir` silently ignored would write runs somewhere unexpected.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { cosmiconfig } from 'cosmiconfig';
import { LineCounter, parseDocument } from 'yaml';
import { formatLocation, RecipeError, UsageError, type RecipeProblem, type SourceLocation } from '../errors.js';
import type { BackendRequest } from '../engine/backend/request.js';
import type { LocatedDataName } from '../data/locate.js';
import { explainSchemaErrors } from '../recipe/explain.js';
import { SourcePositions, sortProblems, type PathSegment } from '../recipe/positions.js';
import { show } from '../recipe/naming.js';
import { decodeRecipe } from '../recipe/source.js';
import { readRegularFile } from '../util/regularFile.js';
import { thrownText } from '../util/thrown.js';
import { CONFIG_LOADERS, CONFIG_NAME, checkConfigFiles, MAX_CONFIG_BYTES } from './configFiles.js';
import { threadsProblem } from './threads.js';

export interface ProjectConfig {
  /** Absolute; relative paths in the file are taken from the config file's folder. */
  readonly runsDir: string | null;
  /** The stage cache's folder, absolute; null: the default (cache/home.ts, defaultStageCacheDir). */
  readonly cacheDir: string | null;
  /** The most the stage cache may hold, in MB; null: the default (2048). */
  readonly cacheMaxMB: number | null;
  readonly backend: BackendRequest | null;
  readonly seed: number | null;
  /** Training threads on wasm (speed only, see train.ts's GRADIENT_SHARDS). */
  readonly threads: number | null;
  /** Load the plugin modules recipes name (as --allow-plugins); null: not set. */
  readonly allowPlugins: boolean | null;
  /** Folders holding builtin data sets' files (`datasets: {fashion-mnist: folder}`), absolute; {} when none. */
  readonly datasets: Readonly<Partial<Record<LocatedDataName, string>>>;
  /** The file the config came from, for messages; null when there is none. */
  readonly file: string | null;
}

/** The config as the schema accepts it. */
interface ConfigInput {
  runsDir?: string;
  cacheDir?: string;
  cacheMaxMB?: number;
  backend?: BackendRequest;
  seed?: number;
  threads?: number;
  allowPlugins?: boolean;
  datasets?: Partial<Record<LocatedDataName, string>>;
}

/** The schema beside the recipe's, two levels above this module as src/cli/ and as dist/cli/. */
export const CONFIG_SCHEMA_URL = new URL('../../schemas/config.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

function configValidator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(CONFIG_SCHEMA_URL, 'utf8')) as Record<string, unknown>;
    compiled = new Ajv2020({ allErrors: true, verbose: true, strict: true }).compile(schema);
  }
  return compiled;
}

const NO_CONFIG: ProjectConfig = { runsDir: null, cacheDir: null, cacheMaxMB: null, backend: null, seed: null, threads: null, allowPlugins: null, datasets: {}, file: null };

export async function loadProjectConfig(cwd: string): Promise<ProjectConfig> {
  await checkConfigFiles(cwd);
  const explorer = cosmiconfig(CONFIG_NAME, { searchStrategy: 'project', loaders: CONFIG_LOADERS });
  let result;
  try {
    result = await explorer.search(cwd);
  } catch (error) {
    // A JSON or YAML config's own mistakes, located; what a JavaScript config threw, with its file.
    if (error instanceof RecipeError || error instanceof UsageError) throw error;
    throw new UsageError(`cannot read the prune-run project config: ${thrownText(error)}`);
  }
  if (result === null || result.isEmpty) return NO_CONFIG;
  const file = result.filepath;
  const config: unknown = result.config;
  const positions = await configPositions(file);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    // Located like every other config mistake: package.json's is its "prune-run" value, not the file's top.
    const where = positions === null ? file : formatLocation(positions.valueAt([]));
    throw new UsageError(`${where}: the prune-run config must be a mapping of settings (runsDir, seed, …), got ${show(config)}`);
  }
  const problems = configProblems(config, file, positions);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const values = config as ConfigInput;
  const dir = path.dirname(file);
  const datasets: Partial<Record<LocatedDataName, string>> = {};
  for (const [name, folder] of Object.entries(values.datasets ?? {})) datasets[name as LocatedDataName] = path.resolve(dir, folder);
  return {
    datasets,
    runsDir: values.runsDir === undefined ? null : path.resolve(dir, values.runsDir),
    cacheDir: values.cacheDir === undefined ? null : path.resolve(dir, values.cacheDir),
    cacheMaxMB: values.cacheMaxMB ?? null,
    backend: values.backend ?? null,
    seed: values.seed ?? null,
    threads: values.threads ?? null,
    allowPlugins: values.allowPlugins ?? null,
    file,
  };
}

/** Every problem of the config, each as one line: `file:line:col: message`, or `file: message` for a JS config (no `positions`). */
function configProblems(config: object, file: string, positions: SourcePositions | null): string[] {
  const validate = configValidator();
  // explain.ts words ajv's errors for recipes; a config is the same kind of mapping, located the same way.
  const located = positions ?? new SourcePositions(parseDocument(''), new LineCounter(), file);
  const parsed = { file, text: '', value: config, positions: located };
  const problems: RecipeProblem[] = validate(config) ? [] : explainSchemaErrors(validate.errors ?? [], parsed);
  const threads = (config as ConfigInput).threads;
  if (typeof threads === 'number' && Number.isInteger(threads) && threads >= 1) {
    const problem = threadsProblem(threads);
    if (problem !== null) problems.push({ at: located.valueAt(['threads']), message: `threads ${problem}` });
  }
  return sortProblems(problems).map((p) => (positions === null ? `${file}: ${p.message}` : `${formatLocation(p.at)}: ${p.message}`));
}

/**
 * Where each setting is written, for the formats that have lines to point at: JSON and YAML
 * (JSON is YAML), including package.json, whose settings sit under its "prune-run" key. A
 * JavaScript config computes its value, so it has none (null).
 */
async function configPositions(file: string): Promise<SourcePositions | null> {
  if (/\.(c|m)?(j|t)s$/.test(file)) return null;
  // Parsed already by the loader (configFiles.ts), with the recipe's limits: parseDocument cannot recurse past them here.
  const text = decodeRecipe(await readRegularFile(file, MAX_CONFIG_BYTES), file, 'project config');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return path.basename(file) === 'package.json' ? new KeyedPositions(doc, lineCounter, file, ['prune-run']) : new SourcePositions(doc, lineCounter, file);
}

/** Positions of a value kept under a key of its file (package.json's "prune-run"). */
class KeyedPositions extends SourcePositions {
  constructor(
    doc: ConstructorParameters<typeof SourcePositions>[0],
    lineCounter: LineCounter,
    file: string,
    private readonly prefix: readonly PathSegment[],
  ) {
    super(doc, lineCounter, file);
  }

  override valueAt(at: readonly PathSegment[]): SourceLocation {
    return super.valueAt([...this.prefix, ...at]);
  }

  override keyAt(at: readonly PathSegment[]): SourceLocation {
    return super.keyAt([...this.prefix, ...at]);
  }
}
