/**
 * Checks a parsed recipe: the JSON Schema (shared with editors) through ajv, then the rules a
 * schema cannot say (unique stage names, data needed by training, MNIST sizes). Every ajv error
 * is turned into one located, human sentence: the offending value, what was expected, and a fix
 * where one is known. ajv's branch-by-branch noise for "exactly one of" groups is collapsed.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { PruneError, type RecipeProblem } from '../errors.js';
import { parsePattern } from '../prune/semiStructured.js';
import type { ParsedRecipe } from './parse.js';
import { getPath, isRecord, type PathSegment } from './positions.js';
import { expectationProblems } from './expectations.js';
import { DEFAULTS, MNIST_IMAGES } from './resolve.js';

/**
 * The schema on disk, the single source for ajv and for editors. `schemas/` is two levels above
 * this module both as src/recipe/validate.ts (vitest) and as dist/recipe/validate.js (built).
 */
export const RECIPE_SCHEMA_URL = new URL('../../schemas/recipe.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

/** Compiled once, on first use, so that importing this module does no I/O. */
function schemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(RECIPE_SCHEMA_URL, 'utf8')) as Record<string, unknown>;
    // verbose: errors carry the failing value and schema, which the messages below quote.
    // allowUnionTypes: layer_type is `type: [string, array]`, which avoids anyOf error noise.
    // strictRequired is off: "exactly one of" branches require keys that their parent defines.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Every problem of the recipe's content (not its files), unsorted. */
export function validateRecipe(recipe: ParsedRecipe): RecipeProblem[] {
  const validate = schemaValidator();
  let schemaProblems: RecipeProblem[] = [];
  if (!validate(recipe.value)) {
    const errors = validate.errors ?? [];
    schemaProblems = explainSchemaErrors(errors, recipe);
    // Never let a recipe the schema rejects through because no sentence was found for its error.
    const first = errors[0];
    if (schemaProblems.length === 0 && first !== undefined) {
      const path = pointerSegments(first.instancePath);
      schemaProblems = [{ at: recipe.positions.valueAt(path), message: `${displayPath(recipe.value, path) || 'the recipe'} ${first.message ?? 'is invalid'}` }];
    }
  }
  return [...schemaProblems, ...ruleProblems(recipe)];
}

// ---------------------------------------------------------------------------------------------
// Schema errors → sentences

function explainSchemaErrors(errors: readonly ErrorObject[], recipe: ParsedRecipe): RecipeProblem[] {
  // A oneOf / anyOf of `required` branches is an "exactly / at least one of these keys" group; its
  // branches' "must have required property" errors say nothing the group's own message does not.
  // An anyOf of value alternatives (n: a number or a name) is explained once, by the anyOf itself.
  const alternatives = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.instancePath}\0${e.schemaPath}/`);
  const kept = errors.filter(
    (e) =>
      !(e.keyword === 'required' && /\/(oneOf|anyOf)\/\d+\/required$/.test(e.schemaPath)) &&
      !alternatives.some((prefix) => `${e.instancePath}\0${e.schemaPath}`.startsWith(prefix)),
  );
  // A value of the wrong type fails its range, pattern, ... checks too; the type is the news.
  const wrongType = new Set(kept.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  // `epoch: 5` is one mistake, not two: when an unknown key looks like a missing required one,
  // the "did you mean" of the unknown key covers the missing key.
  const misspelled = new Set(
    kept.flatMap((e) => {
      if (e.keyword !== 'additionalProperties') return [];
      const suggestion = closest(String(e.params['additionalProperty']), allowedKeys(e.parentSchema));
      return suggestion === null ? [] : [`${e.instancePath}/${suggestion}`];
    }),
  );
  const problems: RecipeProblem[] = [];
  for (const error of kept) {
    if (error.keyword !== 'type' && wrongType.has(error.instancePath)) continue;
    const missing = `${error.instancePath}/${String(error.params['missingProperty'])}`;
    if (error.keyword === 'required' && misspelled.has(missing)) continue;
    const explained = explain(error, recipe);
    if (explained !== null) problems.push(...(Array.isArray(explained) ? explained : [explained]));
  }
  return problems;
}

function explain(error: ErrorObject, recipe: ParsedRecipe): RecipeProblem | RecipeProblem[] | null {
  const path = pointerSegments(error.instancePath);
  const name = displayPath(recipe.value, path) || 'the recipe';
  const positions = recipe.positions;
  const params: Record<string, unknown> = error.params;
  const parent: Record<string, unknown> = error.parentSchema ?? {};
  const at = positions.valueAt(path);
  switch (error.keyword) {
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        at,
        message: `${name} must be ${describeExpected(parent)}, got ${show(error.data)}${valueHint(path, error)}`,
      };
    case 'enum': {
      const allowed = Array.isArray(error.schema) ? error.schema.map(String) : [];
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed) : '';
      const expected = allowed.length === 1 ? String(allowed[0]) : `one of ${allowed.join(', ')}`;
      return { at, message: `${name} must be ${expected}, got ${show(error.data)}${enumHint(path, error.data) || suggestion}` };
    }
    case 'required': {
      const key = String(params['missingProperty']);
      const hint = REQUIRED_HINTS[key];
      return { at, message: `${name} is missing the required key "${key}"${hint === undefined ? '' : ` (${hint})`}` };
    }
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = allowedKeys(parent);
      const where = path.length === 0 ? 'at the top level' : `in ${name}`;
      const hint = didYouMean(key, allowed) || ` (allowed: ${allowed.join(', ')})`;
      return { at: positions.keyAt([...path, key]), message: `unknown key "${key}" ${where}${hint}` };
    }
    case 'minItems':
    case 'minLength':
      return { at, message: `${name} must not be empty` };
    case 'minProperties':
      return { at, message: `${name} must give at least one of ${allowedKeys(parent).join(', ')}` };
    case 'pattern': {
      const pattern = String(error.schema);
      const hint = patternHint(pattern, error.data);
      return { at, message: `${name} must ${patternRule(pattern)}, got ${show(error.data)}${hint}` };
    }
    case 'oneOf': {
      const keys = choiceKeys(error.schema);
      return keys === null ? fallback() : explainChoice(error, keys, path, name, recipe);
    }
    case 'anyOf': {
      const keys = choiceKeys(error.schema);
      if (keys !== null) return explainChoice(error, keys, path, name, recipe);
      const expected = describeAlternatives(error.schema);
      return expected === null ? fallback() : { at, message: `${name} must be ${expected}, got ${show(error.data)}${valueHint(path, error)}` };
    }
    case 'not':
      return explainExcluded(error, path, name, recipe);
    case 'if':
      return null; // the failing "then" branch reported its own errors
    default:
      return fallback();
  }
  function fallback(): RecipeProblem {
    return { at, message: `${name} ${error.message ?? 'is invalid'}, got ${show(error.data)}` };
  }
}

/** The keys a mapping schema defines. */
function allowedKeys(schema: unknown): string[] {
  const properties = isRecord(schema) ? schema['properties'] : undefined;
  return isRecord(properties) ? Object.keys(properties) : [];
}

/** Extra advice for values users get wrong in known ways. */
function valueHint(path: readonly string[], error: ErrorObject): string {
  const value = error.data;
  // YAML reads .inf as a number (Infinity), which JSON Schema numbers exclude; torch spells it inf.
  if (path[path.length - 1] === 'n' && typeof value === 'number' && !Number.isFinite(value)) {
    return ` (write n: ${value > 0 ? 'inf' : '-inf'})`;
  }
  // YAML 1.1 read yes/no/on/off as booleans; YAML 1.2 (and so this parser) reads them as text.
  if (error.keyword === 'type' && error.params['type'] === 'boolean' && typeof value === 'string') {
    return /^(y|yes|no|n|on|off|true|false)$/i.test(value) ? ' (write true or false, unquoted)' : '';
  }
  // Gates are fractions like amounts; `final_accuracy_min: 95` means 95%.
  if (path[0] === 'expect' && path[1] !== 'compact_parameters_max' && typeof value === 'number' && value > 1 && value <= 100) {
    return ` (a fraction: for ${value}%, write ${value / 100})`;
  }
  if (path[path.length - 1] !== 'amount') return '';
  // torch reads amount=3 as "three entries"; prune-run never guesses, it points at count.
  if (typeof value === 'number' && value > 1) {
    return Number.isInteger(value)
      ? ` (to prune ${value} entries, write count: ${value})`
      : ' (to prune a number of entries, write count: N)';
  }
  const percent = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  if (percent?.[1] !== undefined) return ` (for ${percent[1]}%, write ${Number(percent[1]) / 100})`;
  return '';
}

/**
 * The message for an "exactly one of these keys" group (a oneOf whose branches each require one
 * key), or null when there is nothing to add.
 */
function explainChoice(
  error: ErrorObject,
  keys: readonly string[],
  path: readonly string[],
  name: string,
  recipe: ParsedRecipe,
): RecipeProblem | null {
  // Not a mapping: the type error says so already (every branch "passed" vacuously).
  if (!isRecord(error.data)) return null;
  const data = error.data;
  const given = Object.keys(data).filter((k) => keys.includes(k));
  const hint = CHOICE_HINTS[keys.join('|')];
  const why = hint === undefined ? '' : ` (${hint})`;
  if (given.length === 0) {
    const message = `${name} needs one of ${keys.map(quote).join(' or ')}${why}`;
    return { at: recipe.positions.valueAt(path), message };
  }
  const [first, second] = given;
  if (first === undefined || second === undefined) return null;
  return {
    at: recipe.positions.keyAt([...path, second]),
    message: `${name} has both ${quote(first)} and ${quote(second)}; give only one${why}`,
  };
}

const CHOICE_HINTS: Readonly<Record<string, string>> = {
  'amount|count': 'amount is a fraction of the entries, from 0 to 1; count is a number of entries',
  'amount|count|schedule':
    'amount is a fraction of the entries, from 0 to 1; count is a number of entries; schedule prunes step by step during the stage\'s training',
  'axis|dim':
    'axis names the channels by meaning, out or in; dim is torch\'s dimension in torch\'s layout, 0 = out, 1 = in',
  'global|targets': 'global ranks all selected parameters together; targets prune each parameter on its own',
  'global|targets|filters|remove':
    'global, targets or filters prune, remove makes earlier pruning permanent; fresh alone does nothing',
  'builtin|path': 'builtin: lenet, or path: to a TF.js model.json',
  'builtin|idx': 'builtin: mnist, or idx: files',
};

/** Keys a method needs, said in words when they are missing. */
const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  n: 'ln_structured ranks channels by their Ln norm: n: 2 for L2, 1 for L1, inf, -inf or fro',
  mask: 'custom_from_mask multiplies in a given mask: mask: {file: masks.safetensors, tensor: conv1/kernel}',
  pattern: 'semi_structured keeps N of every M consecutive inputs: pattern: "2:4"',
  module: 'custom runs the method a module of yours exports: module: plugins/my-method.ts, relative to the recipe',
};

/** Who uses each method-specific key, for "does not apply" messages. */
const KEY_USERS: Readonly<Record<string, string>> = {
  amount: 'every method but identity (which prunes nothing), custom_from_mask (whose mask says what), semi_structured (whose pattern says how much) and custom (whose options say)',
  count: 'every method but identity (which prunes nothing), custom_from_mask (whose mask says what), semi_structured (whose pattern says how much) and custom (whose options say)',
  schedule: 'the methods that take an amount (l1_unstructured, random_unstructured, ln_structured, random_structured)',
  initial: 'the gradual and linear kinds (constant prunes to final once)',
  end: 'the gradual and linear kinds (constant prunes to final once, at start)',
  every: 'the gradual and linear kinds (constant prunes to final once, at start)',
  mask: 'custom_from_mask only',
  pattern: 'semi_structured only (keep N of every M)',
  module: 'custom only (the plugin module)',
  options: 'custom only (handed to the plugin)',
  max_sparsity_per_layer: 'l1_unstructured only (the guard against layer collapse)',
  n: 'ln_structured only (its norm order)',
  axis: 'the structured methods only (ln_structured, random_structured)',
  dim: 'the structured methods only (ln_structured, random_structured)',
  importance_scores: 'l1_unstructured and ln_structured only, which rank by scores (random methods ignore them)',
};

/**
 * A `not` error: either two keys that exclude each other (`not: {required: [a, b]}`) or keys the
 * mapping's method does not take (`not: {anyOf: [{required: [k]}, ...]}`), one problem per key
 * given, at the key.
 */
function explainExcluded(
  error: ErrorObject,
  path: readonly string[],
  name: string,
  recipe: ParsedRecipe,
): RecipeProblem | RecipeProblem[] | null {
  if (!isRecord(error.data) || !isRecord(error.schema)) return null;
  const pair = error.schema['required'];
  if (Array.isArray(pair)) return explainChoice(error, pair.map(String), path, name, recipe);
  // Several exclusive pairs (`not: {anyOf: [{required: [a, b]}, …]}`): the first pair given.
  const pairs = exclusivePairs(error.schema['anyOf']);
  const data = error.data;
  const given = pairs?.find((keys) => keys.every((k) => k in data));
  if (given !== undefined) return explainChoice(error, given, path, name, recipe);
  const keys = choiceKeys(error.schema['anyOf']);
  if (keys === null) return null;
  // A schedule's keys depend on its kind, a step's on its method.
  const owner = 'method' in error.data || !('kind' in error.data) ? `method ${show(error.data['method'])}` : `kind ${show(error.data['kind'])}`;
  return Object.keys(error.data)
    .filter((key) => keys.includes(key))
    .map((key) => ({
      at: recipe.positions.keyAt([...path, key]),
      message: `${name}.${key} does not apply to ${owner}: ${key} is for ${KEY_USERS[key] ?? 'other methods'}`,
    }));
}

/** "a number > 0, or one of inf, -inf, fro, nuc" for an anyOf of value alternatives; null otherwise. */
function describeAlternatives(schema: unknown): string | null {
  if (!Array.isArray(schema)) return null;
  const parts = schema.map((branch) => {
    if (!isRecord(branch)) return null;
    const values = branch['enum'];
    return Array.isArray(values) ? `one of ${values.map(String).join(', ')}` : describeExpected(branch);
  });
  return parts.every((p): p is string => p !== null) ? parts.join(', or ') : null;
}

/** Advice for an enum value that exists elsewhere (a structured method in a global step). */
function enumHint(path: readonly string[], value: unknown): string {
  const inGlobal = path[path.length - 1] === 'method' && path[path.length - 2] === 'global';
  if (inGlobal && value === 'custom') {
    return ' (a plugin in a global step is not supported yet; prune each parameter on its own with targets: [{select, method: custom, module}])';
  }
  if (inGlobal && typeof value === 'string' && ['identity', 'ln_structured', 'random_structured', 'custom_from_mask', 'semi_structured'].includes(value)) {
    return ' (global pruning ranks single entries across parameters; use targets for this method)';
  }
  return '';
}

/** [[a, b], …] for an anyOf of two-key `required` branches; null otherwise. */
function exclusivePairs(schema: unknown): string[][] | null {
  if (!Array.isArray(schema)) return null;
  const pairs: string[][] = [];
  for (const branch of schema) {
    const required: unknown = isRecord(branch) ? branch['required'] : undefined;
    if (!Array.isArray(required) || required.length !== 2) return null;
    pairs.push(required.map(String));
  }
  return pairs;
}

function choiceKeys(schema: unknown): string[] | null {
  if (!Array.isArray(schema)) return null;
  const keys: string[] = [];
  for (const branch of schema) {
    const required: unknown = isRecord(branch) ? branch['required'] : undefined;
    const onlyRequired = isRecord(branch) && Object.keys(branch).length === 1;
    if (!onlyRequired || !Array.isArray(required) || required.length !== 1) return null;
    keys.push(String(required[0]));
  }
  return keys;
}

/** "an integer ≥ 0", "a fraction in [0, 1]", "a mapping", ... from the failing subschema. */
function describeExpected(schema: Record<string, unknown>): string {
  const types = ([] as unknown[]).concat(schema['type'] ?? []).map(String);
  const min = schema['minimum'];
  const max = schema['maximum'];
  const exclusiveMin = schema['exclusiveMinimum'];
  const kind = types.map(typeName).join(' or ') || 'a value';
  if (!types.includes('number') && !types.includes('integer')) return kind;
  if (types.includes('number') && min === 0 && max === 1) return 'a fraction in [0, 1]';
  if (typeof min === 'number' && typeof max === 'number') return `${kind} in [${min}, ${max}]`;
  if (typeof min === 'number') return `${kind} ≥ ${min}`;
  if (typeof exclusiveMin === 'number') return `${kind} > ${exclusiveMin}`;
  return kind;
}

function typeName(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    default:
      return type;
  }
}

const LAYER_TYPE_PATTERN = '^[a-z][a-z0-9_]*$';
/** semi_structured's pattern as the schema checks it; the numbers are checked by nmPatterns below. */
const NM_PATTERN = '^\\s*\\d+\\s*:\\s*\\d+\\s*$';

/** Regexes do not read well in error messages; these are the schema's patterns, in words. */
const PATTERN_RULES: Readonly<Record<string, string>> = {
  '^[A-Za-z0-9_.-]+$': 'use only letters, digits, "_", "." and "-"',
  [LAYER_TYPE_PATTERN]: 'be a TF.js layer class name in snake case (Conv2D is conv2d)',
  [NM_PATTERN]: 'be N:M, keep N of every M, e.g. "2:4"',
};

function patternRule(pattern: string): string {
  return PATTERN_RULES[pattern] ?? `match the pattern ${pattern}`;
}

/** For a layer type written as its TF.js class name, the snake-case spelling (tfjs-layers' rule). */
function patternHint(pattern: string, value: unknown): string {
  if (pattern !== LAYER_TYPE_PATTERN || typeof value !== 'string' || !/[A-Z]/.test(value)) return '';
  const snake = value
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return new RegExp(LAYER_TYPE_PATTERN).test(snake) ? ` (did you mean "${snake}"?)` : '';
}

// ---------------------------------------------------------------------------------------------
// Rules the schema cannot express. They read the raw value defensively, because they run even
// when the schema found problems elsewhere (all problems are reported in one pass).

function ruleProblems(recipe: ParsedRecipe): RecipeProblem[] {
  return [
    ...duplicateStageNames(recipe),
    ...dataNeeded(recipe),
    ...mnistSizes(recipe),
    ...nmPatterns(recipe),
    ...expectationProblems(recipe.value, recipe.positions),
  ];
}

/** semi_structured's N:M must satisfy 1 ≤ N < M ≤ 64 (the core's rule, said at the value). */
function nmPatterns({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  const stages = getPath(value, ['stages']);
  if (!Array.isArray(stages)) return problems;
  stages.forEach((_stage, i) => {
    const targets = getPath(value, ['stages', i, 'targets']);
    if (!Array.isArray(targets)) return;
    targets.forEach((target, j) => {
      const pattern = getPath(target, ['pattern']);
      // Not N:M text at all, or on another method: the schema's problems.
      if (getPath(target, ['method']) !== 'semi_structured' || typeof pattern !== 'string' || !new RegExp(NM_PATTERN).test(pattern)) return;
      const where = ['stages', i, 'targets', j, 'pattern'];
      try {
        parsePattern(pattern, displayPath(value, where));
      } catch (error) {
        if (!(error instanceof PruneError)) throw error;
        problems.push({ at: positions.valueAt(where), message: error.message });
      }
    });
  });
  return problems;
}

function duplicateStageNames({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const stages = getPath(value, ['stages']);
  if (!Array.isArray(stages)) return [];
  const firstUse = new Map<string, number>();
  const problems: RecipeProblem[] = [];
  stages.forEach((stage, i) => {
    const name = getPath(stage, ['name']);
    if (typeof name !== 'string') return;
    const first = firstUse.get(name);
    if (first === undefined) {
      firstUse.set(name, i);
      return;
    }
    const firstLine = positions.valueAt(['stages', first, 'name']).line;
    problems.push({
      at: positions.valueAt(['stages', i, 'name']),
      message:
        `duplicate stage name "${name}" (stages[${first}] at line ${firstLine} has it already); ` +
        'stage names must be unique',
    });
  });
  return problems;
}

/** Training, fine-tuning and evaluation need data; say so at each place that asks for it. */
function dataNeeded({ value, positions }: ParsedRecipe): RecipeProblem[] {
  // `data:` present but malformed is the schema's to report; this rule is about a missing section.
  if (!isRecord(value) || 'data' in value) return [];
  const needs: { path: PathSegment[]; what: string }[] = [];
  const trainEpochs = ['train', 'epochs'];
  if (isPositive(getPath(value, trainEpochs))) needs.push({ path: trainEpochs, what: 'training' });
  const stages = getPath(value, ['stages']);
  if (Array.isArray(stages)) {
    stages.forEach((_, i) => {
      const path = ['stages', i, 'finetune', 'epochs'];
      if (isPositive(getPath(value, path))) needs.push({ path, what: 'fine-tuning' });
    });
  }
  const evaluate = ['report', 'evaluate'];
  if (getPath(value, evaluate) === true) needs.push({ path: evaluate, what: 'evaluation' });
  return needs.map(({ path, what }) => ({
    at: positions.valueAt(path),
    message:
      `${what} (${displayPath(value, path)}: ${show(getPath(value, path))}) needs data, but the recipe has no data ` +
      'section (add one, e.g. data: {builtin: mnist})',
  }));
}

function mnistSizes({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const data = getPath(value, ['data']);
  if (!isRecord(data) || data['builtin'] !== 'mnist' || 'idx' in data) return [];
  const train = data['train_size'] ?? DEFAULTS.mnistTrainSize;
  const test = data['test_size'] ?? DEFAULTS.mnistTestSize;
  // Sizes that are wrong on their own are the schema's problems; only judge their sum.
  if (!isImageCount(train) || !isImageCount(test) || train + test <= MNIST_IMAGES) return [];
  const describe = (key: string, n: number): string => `${n}${key in data ? '' : ' (default)'}`;
  const at = positions.valueAt(['data', 'test_size' in data ? 'test_size' : 'train_size']);
  return [
    {
      at,
      message:
        `data.train_size + data.test_size must be at most ${MNIST_IMAGES} (the built-in mnist has ${MNIST_IMAGES} ` +
        `images), got ${describe('train_size', train)} + ${describe('test_size', test)} = ${train + test}`,
    },
  ];
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && value > 0;
}

function isImageCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MNIST_IMAGES;
}

// ---------------------------------------------------------------------------------------------
// Naming things in messages

/** JSON pointer ("/stages/0/name") → path segments, unescaping ~1 and ~0. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** How the recipe spells a place: `stages[0].global.amount` ('' for the whole recipe). */
function displayPath(value: unknown, path: readonly PathSegment[]): string {
  let text = '';
  let current = value;
  for (const segment of path) {
    text += Array.isArray(current) ? `[${segment}]` : text === '' ? String(segment) : `.${String(segment)}`;
    current = getPath(current, [segment]);
  }
  return text;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function quote(key: string): string {
  return `"${key}"`;
}

/** ` (did you mean "epochs"?)` when one candidate is close to what was written, else ''. */
function didYouMean(written: string, candidates: readonly string[]): string {
  const best = closest(written, candidates);
  return best === null ? '' : ` (did you mean "${best}"?)`;
}

/** The candidate closest to what was written, if it is close enough to be a likely typo. */
function closest(written: string, candidates: readonly string[]): string | null {
  // Case, "_" and "-" differences count for nothing: batchSize and batch-size mean batch_size.
  const norm = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(norm(written), norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(1, Math.floor(written.length / 4));
  return bestDistance <= tolerance ? best : null;
}

/** Edit distance where swapping two neighbours also counts as one edit (modle → model). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}
