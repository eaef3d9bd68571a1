/**
 * What a value that failed the schema should have been, in words ("a fraction in [0, 1]", "one of
 * inf, -inf"), and advice for values users are known to get wrong (amount: 3, yes for true, 95%).
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { LAYER_TYPE_PATTERN, PATTERN_RULES } from './hints.js';
import { isRecord } from './positions.js';

/** Extra advice for values users get wrong in known ways. */
export function valueHint(path: readonly string[], error: ErrorObject): string {
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

/** "a number > 0, or one of inf, -inf, fro, nuc" for an anyOf of value alternatives; null otherwise. */
export function describeAlternatives(schema: unknown): string | null {
  if (!Array.isArray(schema)) return null;
  const parts = schema.map((branch) => {
    if (!isRecord(branch)) return null;
    const values = branch['enum'];
    return Array.isArray(values) ? `one of ${values.map(String).join(', ')}` : describeExpected(branch);
  });
  return parts.every((p): p is string => p !== null) ? parts.join(', or ') : null;
}

/** "an integer ≥ 0", "a fraction in [0, 1]", "a mapping", ... from the failing subschema. */
export function describeExpected(schema: Record<string, unknown>): string {
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

export function patternRule(pattern: string): string {
  return PATTERN_RULES[pattern] ?? `match the pattern ${pattern}`;
}

/** For a layer type written as its TF.js class name, the snake-case spelling (tfjs-layers' rule). */
export function patternHint(pattern: string, value: unknown): string {
  if (pattern !== LAYER_TYPE_PATTERN || typeof value !== 'string' || !/[A-Z]/.test(value)) return '';
  const snake = value
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return new RegExp(LAYER_TYPE_PATTERN).test(snake) ? ` (did you mean "${snake}"?)` : '';
}

