/**
 * The schema is read by two consumers: ajv (here) and editors (the YAML language server). These
 * tests keep it usable by both and in agreement with the TS-side lists and defaults.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/recipe/resolve.js';
import { METHOD_NAMES } from '../../src/methods/index.js';
import { OPTIMIZER_NAMES } from '../../src/recipe/types.js';
import { RECIPE_SCHEMA_URL } from '../../src/recipe/validate.js';

type Json = Record<string, unknown>;
const schema = JSON.parse(readFileSync(RECIPE_SCHEMA_URL, 'utf8')) as Json;
const defs = schema['$defs'] as Record<string, Json>;

/** Every property schema anywhere in the document, with a readable place name. */
function allProperties(node: unknown, where: string): [string, Json][] {
  if (Array.isArray(node)) return node.flatMap((item, i) => allProperties(item, `${where}[${i}]`));
  if (typeof node !== 'object' || node === null) return [];
  const found: [string, Json][] = [];
  for (const [key, child] of Object.entries(node)) {
    if (key === 'properties') {
      for (const [name, property] of Object.entries(child as Record<string, Json>)) {
        found.push([`${where}.properties.${name}`, property]);
      }
    }
    found.push(...allProperties(child, `${where}.${key}`));
  }
  return found;
}

describe('recipe.schema.json', () => {
  it('is a draft 2020-12 schema with an $id', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['$id']).toBe('https://prune-run.dev/schemas/recipe.schema.json');
  });

  it('compiles under ajv in strict mode', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('describes every property and every definition (editors show these)', () => {
    expect(allProperties(schema, '#').length).toBeGreaterThan(30);
    const undocumented = [
      ...allProperties(schema, '#').filter(([, s]) => typeof s['description'] !== 'string'),
      ...Object.entries(defs)
        .filter(([, s]) => typeof s['description'] !== 'string')
        .map(([name, s]): [string, Json] => [`#/$defs/${name}`, s]),
    ].map(([where]) => where);
    expect(undocumented).toEqual([]);
  });

  it('forbids unknown keys in every mapping', () => {
    const open = [['#', schema] as const, ...Object.entries(defs).map(([n, s]) => [`#/$defs/${n}`, s] as const)]
      .filter(([, s]) => s['type'] === 'object' && s['additionalProperties'] !== false)
      .map(([where]) => where);
    expect(open).toEqual([]);
  });

  it('lists the same methods and optimizers as the TS types', () => {
    expect(defs['method']?.['enum']).toEqual(METHOD_NAMES);
    expect(defs['optimizer']?.['enum']).toEqual(OPTIMIZER_NAMES);
  });

  it('announces the defaults that resolve applies', () => {
    const props = (def: string): Record<string, Json> => defs[def]?.['properties'] as Record<string, Json>;
    expect((schema['properties'] as Record<string, Json>)['seed']?.['default']).toBe(DEFAULTS.seed);
    expect(props('train')['batch_size']?.['default']).toBe(DEFAULTS.batchSize);
    expect(props('train')['optimizer']?.['default']).toBe(DEFAULTS.optimizer);
    expect(props('train')['learning_rate']?.['default']).toBe(DEFAULTS.learningRate);
    expect(props('report')['save_model']?.['default']).toBe(DEFAULTS.saveModel);
  });
});
