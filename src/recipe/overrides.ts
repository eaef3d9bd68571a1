/**
 * `--set path=value`: a recipe value given on the command line. Each override is applied to the
 * parsed recipe value before schema validation, so the schema checks the overridden value as if
 * it had been written in the file; and a problem found in an overridden value is located in the
 * `--set` argument (its column inside the argument), never at a file position that no longer
 * holds that value. Problems elsewhere keep their recipe positions.
 *
 * Paths are dotted keys with list indices as numbers, `stages.0.global.amount`, or with brackets,
 * `stages[0].global.amount` (as problems print them). The value is YAML: `0.5` is a number, `true`
 * a boolean, `[1, 2]` a list, `{epochs: 1}` a mapping.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { UsageError, type SourceLocation } from '../errors.js';
import { sha256Hex } from '../util/sha256.js';
import { RECIPE_LIMITS } from './limits.js';
import { nestingMessage, tooDeepAt } from './nesting.js';
import { SourcePositions, isRecord, type PathSegment } from './positions.js';

/** How an override is recorded (resolved.json, manifest.json, the --json summary). */
export interface OverrideRecord {
  /** The path in dotted form, e.g. `stages.0.global.amount` (also for `stages[0].global.amount`). */
  readonly path: string;
  /** The value as YAML parsed it. */
  readonly value: unknown;
}

const PATH_TOKEN = /\.?([^.[\]]+)|\[(\d+)\]/y;

/**
 * `stages[0].global.amount` / `stages.0.global.amount` → ['stages', '0', 'global', 'amount'], and
 * where each segment starts in the text; null if malformed.
 */
function splitPath(text: string): { segments: string[]; starts: number[] } | null {
  const segments: string[] = [];
  const starts: number[] = [];
  PATH_TOKEN.lastIndex = 0;
  while (PATH_TOKEN.lastIndex < text.length) {
    const start = PATH_TOKEN.lastIndex;
    const match = PATH_TOKEN.exec(text);
    // A leading dot, or a key not introduced by a dot ("a[0]b"), is not a path.
    if (match === null || (start === 0 && match[0].startsWith('.')) || (start > 0 && match[1] !== undefined && !match[0].startsWith('.'))) {
      return null;
    }
    // One spelling per index (00 and 0 are the same list entry), so locations and hashes agree.
    const segment = match[1] ?? match[2] ?? '';
    // Leading zeros go by text, not through Number: 10^30 must stay an index (past the end), not become "1e+30".
    segments.push(/^\d+$/.test(segment) ? segment.replace(/^0+(?=\d)/, '') : segment);
    starts.push(match.index + match[0].indexOf(segment));
  }
  return segments.length > 0 ? { segments, starts } : null;
}

/** One parsed `--set path=value` argument. */
export class RecipeOverride {
  private constructor(
    /** The argument as given after --set: `path=value`. */
    readonly argument: string,
    readonly path: readonly string[],
    readonly value: unknown,
    /** Where each part of the value is, within the value's own text. */
    private readonly valuePositions: SourcePositions,
    /** Where the value starts in the argument (0-based): after `path=`. */
    private readonly valueStart: number,
    /** Where each segment of the path starts in the argument (0-based). */
    private readonly segmentStarts: readonly number[],
  ) {}

  /** Parses `path=value`; a UsageError naming the argument if either part is malformed. */
  static parse(argument: string): RecipeOverride {
    const equals = argument.indexOf('=');
    if (equals < 0) throw new UsageError(`--set ${argument}: expected path=value, e.g. --set stages.0.global.amount=0.5`);
    const pathText = argument.slice(0, equals).trim();
    const split = splitPath(pathText);
    if (split === null) {
      throw new UsageError(
        `--set ${argument}: "${pathText}" is not a recipe path; write keys separated by dots and list indices as numbers, e.g. stages.0.global.amount`,
      );
    }
    const valueText = argument.slice(equals + 1);
    if (tooDeepAt(valueText, RECIPE_LIMITS.depth) !== null) throw new UsageError(`--set ${argument}: ${nestingMessage('the value')}`);
    const lineCounter = new LineCounter();
    const doc = parseDocument(valueText, { lineCounter, uniqueKeys: true });
    // A value must mean exactly what it says, as a recipe must: warnings (an unknown tag) count too.
    const problem = [...doc.errors, ...doc.warnings][0];
    if (problem !== undefined) {
      const message = problem.message.replace(/ at line \d+, column \d+[\s\S]*$/, '');
      throw new UsageError(`--set ${argument}: the value is not valid YAML: ${message}`);
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (error) {
      throw new UsageError(`--set ${argument}: the value is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    const positions = new SourcePositions(doc, lineCounter, `--set ${argument}`);
    const pathStart = argument.length - argument.trimStart().length;
    return new RecipeOverride(argument, split.segments, value, positions, equals + 1, split.starts.map((start) => pathStart + start));
  }

  /** Canonical: the same override written differently (brackets, `.5`) records, and hashes, the same. */
  toRecord(): OverrideRecord {
    return { path: this.path.join('.'), value: this.value };
  }

  /** Whether `path` is this override's path or inside it; returns the rest of `path` if so. */
  covers(path: readonly PathSegment[]): PathSegment[] | null {
    if (path.length < this.path.length) return null;
    for (let i = 0; i < this.path.length; i++) if (String(path[i]) !== this.path[i]) return null;
    return path.slice(this.path.length);
  }

  /** The location of the value at `rest` inside this override's value, as a column in the argument. */
  valueAt(rest: readonly PathSegment[]): SourceLocation {
    return this.shift(this.valuePositions.valueAt(rest));
  }

  /** The location of a key inside the value; for the path's own last key, that key in the path. */
  keyAt(rest: readonly PathSegment[]): SourceLocation {
    if (rest.length === 0) return this.segmentAt(this.path.length);
    return this.shift(this.valuePositions.keyAt(rest));
  }

  /**
   * Whether `path` leads into this override's path without reaching its end (`bogus` of
   * `--set bogus.x=1`): a mapping the override creates when the recipe has none.
   */
  leadsInto(path: readonly PathSegment[]): boolean {
    return path.length > 0 && path.length < this.path.length && path.every((segment, i) => String(segment) === this.path[i]);
  }

  /** Where the path's first `length` segments end: the column of segment `length` − 1 in the argument. */
  segmentAt(length: number): SourceLocation {
    return { file: this.valuePositions.file, line: 1, col: (this.segmentStarts[length - 1] ?? 0) + 1 };
  }

  /** Value positions are within the value's text; on its first line they move right by `path=`. */
  private shift(at: SourceLocation): SourceLocation {
    return at.line === 1 ? { ...at, col: at.col + this.valueStart } : at;
  }
}

/** Recipe positions that answer for overridden values from the `--set` arguments. */
export class OverriddenPositions extends SourcePositions {
  constructor(
    doc: Document.Parsed,
    lineCounter: LineCounter,
    file: string,
    private readonly overrides: readonly RecipeOverride[],
  ) {
    super(doc, lineCounter, file);
  }

  override valueAt(path: readonly PathSegment[]): SourceLocation {
    const hit = this.overrideAt(path);
    if (hit !== null) return hit.override.valueAt(hit.rest);
    return this.createdBy(path)?.segmentAt(path.length) ?? super.valueAt(path);
  }

  override keyAt(path: readonly PathSegment[]): SourceLocation {
    const hit = this.overrideAt(path);
    if (hit !== null) return hit.override.keyAt(hit.rest);
    return this.createdBy(path)?.segmentAt(path.length) ?? super.keyAt(path);
  }

  /**
   * The override that made the mapping at `path`, when the recipe does not have it: `--set
   * bogus.x=1` creates `bogus`, and a problem with `bogus` is that argument's, not the recipe's
   * (whose nearest place would be some unrelated line). The last such override, as a later one wins.
   */
  private createdBy(path: readonly PathSegment[]): RecipeOverride | null {
    if (this.holds(path)) return null;
    for (let i = this.overrides.length - 1; i >= 0; i--) {
      const override = this.overrides[i]!;
      if (override.leadsInto(path)) return override;
    }
    return null;
  }

  /** The last override whose path holds `path` (a later --set replaces an earlier one). */
  private overrideAt(path: readonly PathSegment[]): { override: RecipeOverride; rest: PathSegment[] } | null {
    for (let i = this.overrides.length - 1; i >= 0; i--) {
      const override = this.overrides[i]!;
      const rest = override.covers(path);
      if (rest !== null) return { override, rest };
    }
    return null;
  }
}

/** The path's first `length` segments as written in a path: `stages.0`. */
function prefix(path: readonly string[], length: number): string {
  return path.slice(0, length).join('.');
}

function describe(value: unknown): string {
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a mapping';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

/** Sets an own key; defineProperty so that a key such as "__proto__" stays a plain key. */
function setOwn(mapping: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(mapping, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * The recipe value with every override applied in order (a later one wins). Missing mapping keys
 * are created (the schema then says whether the key is allowed); an index past the end of a list,
 * a key into a list, or a step through a scalar is a UsageError naming the argument.
 * `value` itself is not changed.
 */
export function applyOverrides(value: unknown, overrides: readonly RecipeOverride[]): unknown {
  if (overrides.length === 0) return value;
  const root: unknown = structuredClone(value);
  for (const override of overrides) {
    const fail = (message: string): never => {
      throw new UsageError(`--set ${override.argument}: ${message}`);
    };
    let container: unknown = root;
    const path = override.path;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const where = i === 0 ? 'the recipe' : prefix(path, i);
      const last = i === path.length - 1;
      const replacement = last ? structuredClone(override.value) : undefined;
      if (Array.isArray(container)) {
        if (!/^\d+$/.test(segment)) fail(`${where} is a list: the next part of the path must be an index, got "${segment}"`);
        const index = Number(segment);
        if (index >= container.length) {
          const range = container.length === 0 ? 'it is empty' : `indices 0 to ${container.length - 1}`;
          fail(`${where} has ${container.length} item${container.length === 1 ? '' : 's'}, so there is no ${prefix(path, i + 1)} (${range})`);
        }
        if (last) container[index] = replacement;
        else container = container[index];
      } else if (isRecord(container)) {
        if (last) setOwn(container, segment, replacement);
        else {
          // A key the recipe leaves out: create it, so `--set export.compact=true` works on any recipe.
          if (!Object.hasOwn(container, segment)) setOwn(container, segment, {});
          container = container[segment];
        }
      } else {
        fail(`${where} is ${describe(container)}, not a mapping or a list, so it has no "${segment}"`);
      }
    }
  }
  return root;
}

/**
 * The recipe's identity, used for the run id and manifest.recipe.sha256: the sha256 of the text
 * exactly as given when there are no overrides (so a recipe run without --set keeps its hash),
 * else the sha256 of the text, a NUL byte (YAML text cannot contain one) and the overrides'
 * records as JSON in the order given. A different override gives a different run id.
 */
export function recipeHash(text: string, overrides: readonly RecipeOverride[]): string {
  if (overrides.length === 0) return sha256Hex(text);
  return sha256Hex(text, '\0', JSON.stringify(overrides.map((o) => o.toRecord())));
}
