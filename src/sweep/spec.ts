/**
 * A sweep file → its points. The file is YAML checked against schemas/sweep.schema.json with the
 * recipe's machinery (parse with positions, ajv, located sentences), so a mistake in it is reported
 * at its line and column as a recipe's is. A point is the overrides it runs the base recipe with
 * (`set`, then its grid values or list entry, then its seed), each remembering where in the sweep
 * file it was written, so a value the recipe refuses is reported there too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { RecipeError, type RecipeProblem } from '../errors.js';
import { formatCount } from '../recipe/limits.js';
import { readRecipeText } from '../recipe/source.js';
import { parseRecipe, type ParsedRecipe } from '../recipe/parse.js';
import { explainSchemaErrors } from '../recipe/explain.js';
import { sortProblems, type PathSegment } from '../recipe/positions.js';

/** The schema on disk, two levels above this module as src/sweep/spec.ts and as dist/sweep/spec.js. */
export const SWEEP_SCHEMA_URL = new URL('../../schemas/sweep.schema.json', import.meta.url);

export interface PointOverride {
  /** The recipe path as written in the sweep file. */
  readonly path: string;
  readonly value: unknown;
  /** Where the value is written in the sweep file (a path into its YAML). */
  readonly source: readonly PathSegment[];
}

export interface SweepPoint {
  /** 0-based, in the sweep's order. */
  readonly index: number;
  /** `p01`, `p02`, … (as wide as the count needs): the point's name in logs and the report. */
  readonly id: string;
  readonly overrides: readonly PointOverride[];
}

export interface Sweep {
  /** The sweep file as given. */
  readonly file: string;
  readonly name: string;
  /** The base recipe's absolute path. */
  readonly recipe: string;
  readonly points: readonly SweepPoint[];
  readonly parsed: ParsedRecipe;
}

/** `path=value` for --set: the value as JSON, which YAML reads back as the same value. */
export function setArgument(override: Pick<PointOverride, 'path' | 'value'>): string {
  return `${override.path}=${JSON.stringify(override.value)}`;
}

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, verbose: true, strict: true }).compile(JSON.parse(readFileSync(SWEEP_SCHEMA_URL, 'utf8')) as Record<string, unknown>);
  return compiled;
}

interface SweepInput {
  name?: string;
  recipe: string;
  set?: Record<string, unknown>;
  grid?: Record<string, unknown[]>;
  points?: Record<string, unknown>[];
  seeds?: number[];
}

const entriesOf = (values: Record<string, unknown> | undefined, at: PathSegment[]): PointOverride[] =>
  Object.entries(values ?? {}).map(([p, value]) => ({ path: p, value, source: [...at, p] }));

/**
 * The most points a sweep may have: every point is a run of its own (a process, a run folder),
 * and a grid of a dozen short lists multiplies into billions.
 */
export const MAX_SWEEP_POINTS = 1000;

/** The grid's combinations, the last path varying fastest. */
function combinations(grid: Record<string, unknown[]>): PointOverride[][] {
  let rows: PointOverride[][] = [[]];
  for (const [p, values] of Object.entries(grid)) {
    rows = rows.flatMap((row) => values.map((value, i) => [...row, { path: p, value, source: ['grid', p, i] }]));
  }
  return rows;
}

/** The problems a schema cannot say: grid and points together, a seed set twice. */
function ruleProblems(input: SweepInput, parsed: ParsedRecipe): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  if (input.grid !== undefined && input.points !== undefined) {
    problems.push({ at: parsed.positions.keyAt(['points']), message: 'a sweep has a grid or a list of points, not both: move these points into the grid, or the grid into points' });
  }
  if (input.seeds !== undefined) {
    const seeded = [
      ...Object.keys(input.set ?? {}).filter((p) => p === 'seed').map((): PathSegment[] => ['set', 'seed']),
      ...Object.keys(input.grid ?? {}).filter((p) => p === 'seed').map((): PathSegment[] => ['grid', 'seed']),
      ...(input.points ?? []).flatMap((point, i) => (Object.keys(point).includes('seed') ? [['points', i, 'seed'] as PathSegment[]] : [])),
    ];
    for (const at of seeded) problems.push({ at: parsed.positions.keyAt(at), message: 'seed is set by seeds: list the seeds there, not here' });
  }
  const count = pointCount(input);
  if (count > MAX_SWEEP_POINTS) {
    const where: PathSegment[] = input.grid !== undefined ? ['grid'] : input.points !== undefined ? ['points'] : ['seeds'];
    const many = Number.isSafeInteger(count) ? formatCount(count) : 'more than 2^53';
    problems.push({
      at: parsed.positions.keyAt(where),
      message: `the sweep has ${many} points (each one run of the recipe), over the limit of ${formatCount(MAX_SWEEP_POINTS)} points a sweep may have; split it into several sweeps`,
    });
  }
  return problems;
}

/** The points a sweep makes, counted before any is built (a grid's product grows past any memory). */
function pointCount(input: SweepInput): number {
  const variants = input.grid !== undefined ? Object.values(input.grid).reduce((n, values) => n * values.length, 1) : (input.points?.length ?? 1);
  return variants * (input.seeds?.length ?? 1);
}

/** Parses and checks sweep text (as if read from `file`, relative to `cwd`); a RecipeError lists every problem, located. */
export function parseSweep(text: string, file: string, cwd: string): Sweep {
  const parsed = parseRecipe(text, file);
  const validate = validator();
  if (!validate(parsed.value)) throw new RecipeError(sortProblems(explainSchemaErrors(validate.errors ?? [], parsed)));
  const input = parsed.value as SweepInput;
  const problems = ruleProblems(input, parsed);
  if (problems.length > 0) throw new RecipeError(sortProblems(problems));

  const base = entriesOf(input.set, ['set']);
  const variants = input.grid !== undefined ? combinations(input.grid) : input.points !== undefined ? input.points.map((p, i) => entriesOf(p, ['points', i])) : [[]];
  const seeds: (PointOverride | null)[] = input.seeds?.map((seed, i) => ({ path: 'seed', value: seed, source: ['seeds', i] })) ?? [null];
  const all = seeds.flatMap((seed) => variants.map((variant) => [...base, ...variant, ...(seed === null ? [] : [seed])]));
  const width = String(all.length).length;
  const absolute = path.resolve(cwd, file);
  return {
    file,
    name: input.name ?? path.basename(file).replace(/\.ya?ml$/i, ''),
    recipe: path.resolve(path.dirname(absolute), input.recipe),
    points: all.map((overrides, index) => ({ index, id: `p${String(index + 1).padStart(Math.max(2, width), '0')}`, overrides })),
    parsed,
  };
}

export async function loadSweep(file: string, cwd: string): Promise<Sweep> {
  // Read as a recipe is: no more than its size limit, strict UTF-8, a FIFO or a device refused.
  return parseSweep(await readRecipeText(path.resolve(cwd, file), file, 'sweep'), file, cwd);
}
