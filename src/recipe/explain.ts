/**
 * ajv's errors → one located, human sentence each: the offending value, what was expected, and a
 * fix where one is known. ajv's branch-by-branch noise for "exactly one of" groups is collapsed.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { RecipeProblem } from '../errors.js';
import { describeAlternatives, describeExpected, patternHint, patternRule, valueHint } from './expected.js';
import { CHOICE_HINTS, globalMethodHint, KEY_USERS, REQUIRED_HINTS } from './hints.js';
import { closest, didYouMean, displayPath, pointerSegments, quote, show } from './naming.js';
import type { ParsedRecipe } from './parse.js';
import { formatCount } from './limits.js';
import { isRecord } from './positions.js';

export function explainSchemaErrors(errors: readonly ErrorObject[], recipe: ParsedRecipe): RecipeProblem[] {
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
        message: `${name} must be ${describeExpected(parent)}, got ${show(error.data)}${error.keyword === 'maximum' ? limitHint(path) : ''}${valueHint(path, error)}`,
      };
    case 'enum': {
      const allowed = Array.isArray(error.schema) ? error.schema.map(String) : [];
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed) : '';
      const expected = allowed.length === 1 ? String(allowed[0]) : `one of ${allowed.join(', ')}`;
      return { at, message: `${name} must be ${expected}, got ${show(error.data)}${enumHint(path, error.data) || suggestion}` };
    }
    case 'const': {
      // A rule's required value: its description says why (`allocate` needs l1_unstructured).
      const why = typeof parent['description'] === 'string' ? ` (${parent['description']})` : '';
      return { at, message: `${name} must be ${show(error.schema)}, got ${show(error.data)}${why}` };
    }
    case 'required': {
      const key = String(params['missingProperty']);
      const hint = REQUIRED_HINTS[key] ?? ruleReason(parent, key);
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
    case 'maxItems': {
      const count = Array.isArray(error.data) ? error.data.length : 0;
      return { at, message: `${name} has ${formatCount(count)} entries; the limit is ${formatCount(Number(params['limit']))}${limitHint(path)}` };
    }
    case 'minProperties':
      return { at, message: `${name} must give at least one of ${allowedKeys(parent).join(', ')}` };
    case 'maxProperties':
      return { at, message: `${name} must give only one of ${allowedKeys(parent).join(', ')}, got ${Object.keys(isRecord(error.data) ? error.data : {}).join(' and ')}` };
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

/**
 * Why a conditional rule (a schema without a type of its own: an if/then branch) requires `key`:
 * the description it gives the key, when it gives one.
 */
function ruleReason(rule: Record<string, unknown>, key: string): string | undefined {
  if ('type' in rule) return undefined;
  const properties = rule['properties'];
  const described = isRecord(properties) && isRecord(properties[key]) ? properties[key]['description'] : undefined;
  return typeof described === 'string' ? described : undefined;
}

/** Why a maximum is there, for the ones that are prune-run's limits (limits.ts) rather than a value's meaning. */
function limitHint(path: readonly string[]): string {
  const key = path[path.length - 1];
  if (key === 'stages' && path.length === 1) return " (prune-run's limit on a recipe's stages)";
  if (key === 'repeat') return " (prune-run's limit on a stage's prune–fine-tune cycles; for more pruning per cycle, raise the amount)";
  if (key === 'epochs') return " (prune-run's limit on one training's epochs)";
  if (key === 'batch_size') return " (prune-run's limit on a batch, whose activations are in memory at once)";
  if (key === 'classes') return " (prune-run's limit on a builtin model's classes)";
  if (path[path.length - 2] === 'input_shape') return " (prune-run's limit on each side of a builtin model's input)";
  return '';
}

/** The keys a mapping schema defines. */
export function allowedKeys(schema: unknown): string[] {
  const properties = isRecord(schema) ? schema['properties'] : undefined;
  return isRecord(properties) ? Object.keys(properties) : [];
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

/** Advice for an enum value that exists elsewhere (a local-only method in a global step). */
function enumHint(path: readonly string[], value: unknown): string {
  const inGlobal = path[path.length - 1] === 'method' && path[path.length - 2] === 'global';
  return inGlobal ? globalMethodHint(value) : '';
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

