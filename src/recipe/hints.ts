/**
 * The advice the validator adds to a schema error, where a recipe key or value is known to be
 * misread. Everything about a method comes from its descriptor (src/methods/): which keys it needs
 * and why, which methods a key is for, why a global step refuses it; the rest is about the recipe's
 * own structure (schedules, choices between keys).
 */
import { METHOD_INFO as METHODS, type MethodInfo as Descriptor } from '../methods/index.js';

/** "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The names of the methods that take something. */
function namesOf(takes: (d: Descriptor) => boolean): string[] {
  return METHODS.filter(takes).map((d) => d.name);
}

/** The methods that take `key`, said as "x only" or "x, y and z". */
function users(takes: (d: Descriptor) => boolean): string {
  const names = namesOf(takes);
  return names.length === 1 ? `${names[0]} only` : listed(names);
}

/** Keys a method needs, said in words when they are missing. */
export const REQUIRED_HINTS: Readonly<Record<string, string>> = Object.fromEntries(
  METHODS.flatMap((d) => d.fields.flatMap((f) => (f.hint === undefined ? [] : [[f.key, f.hint] as const]))),
);

const METHOD_KEYS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['amount', 'count', 'schedule'].map((key) => [key, `the methods that take an amount (${listed(namesOf((d) => d.traits.amount !== null))})`])),
  ...Object.fromEntries(['axis', 'dim'].map((key) => [key, `the methods that prune channels (${listed(namesOf((d) => d.traits.axis !== null))})`])),
  importance_scores: `${users((d) => d.traits.importance)}, which rank by scores (random methods ignore them)`,
  max_sparsity_per_layer: `${users((d) => d.global?.capped === true)} (the guard against layer collapse)`,
  ...Object.fromEntries(
    METHODS.flatMap((d) => d.fields.map((f) => [f.key, `${users((m) => m.fields.some((g) => g.key === f.key))} (${f.purpose})`] as const)),
  ),
};

/** A schedule's keys depend on its kind. */
const SCHEDULE_KEYS: Readonly<Record<string, string>> = {
  initial: 'the gradual and linear kinds (constant prunes to final once)',
  end: 'the gradual and linear kinds (constant prunes to final once, at start)',
  every: 'the gradual and linear kinds (constant prunes to final once, at start)',
};

/** Who uses each key that only some methods (or schedule kinds) take, for "does not apply" messages. */
export const KEY_USERS: Readonly<Record<string, string>> = { ...METHOD_KEYS, ...SCHEDULE_KEYS };

/** Why an "exactly one of these keys" group exists, by its keys joined with "|". */
export const CHOICE_HINTS: Readonly<Record<string, string>> = {
  'amount|count': 'amount is a fraction of the entries, from 0 to 1; count is a number of entries',
  'amount|count|schedule':
    'amount is a fraction of the entries, from 0 to 1; count is a number of entries; schedule prunes step by step during the stage\'s training',
  'axis|dim':
    'axis names the channels by meaning, out or in; dim is torch\'s dimension in torch\'s layout, 0 = out, 1 = in',
  'global|targets': 'global ranks all selected parameters together; targets prune each parameter on its own',
  'global|targets|filters|remove':
    'global, targets or filters prune, remove makes earlier pruning permanent; fresh alone does nothing',
  'builtin|path|onnx': 'builtin: lenet, resnet or mobilenet, path: to a TF.js model.json, or onnx: to a model exported from torch',
  'builtin|idx': 'builtin: mnist or fashion-mnist, or idx: files',
  'param|file': 'param: another parameter whose values rank the entries, or file: a safetensors file with tensor: the scores',
  'param|tensor': 'tensor and layout name the scores in a file: with file, instead of param',
  'param|layout': 'tensor and layout name the scores in a file: with file, instead of param',
};

/** Advice for a method a global step cannot take (it ranks single entries across parameters). */
export function globalMethodHint(value: unknown): string {
  const descriptor = METHODS.find((d) => d.name === value);
  if (descriptor === undefined || descriptor.global !== null) return '';
  return descriptor.globalRefusal !== undefined
    ? ` (${descriptor.globalRefusal})`
    : ' (global pruning ranks single entries across parameters; use targets for this method)';
}

export const LAYER_TYPE_PATTERN = '^[a-z][a-z0-9_]*$';

/** Regexes do not read well in error messages; these are the schema's patterns, in words. */
export const PATTERN_RULES: Readonly<Record<string, string>> = {
  '^[A-Za-z0-9_.-]+$': 'use only letters, digits, "_", "." and "-"',
  [LAYER_TYPE_PATTERN]: 'be a TF.js layer class name in snake case (Conv2D is conv2d)',
  ...Object.fromEntries(METHODS.flatMap((d) => d.fields.flatMap((f) => (f.textPattern === undefined ? [] : [[f.textPattern.source, f.textPattern.rule] as const])))),
};
