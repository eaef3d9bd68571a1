/**
 * The method descriptors against schemas/recipe.schema.json, both ways: the schema's method enums
 * list exactly the descriptors, and for every method the schema accepts exactly the keys its
 * descriptor says it takes (checked by validating targets with ajv, so the schema's if/then rules
 * are what is tested, not their text).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { GLOBAL_METHOD_NAMES, METHOD_INFO, METHOD_NAMES, type MethodInfo } from '../../src/methods/index.js';
import { RECIPE_SCHEMA_URL } from '../../src/recipe/validate.js';

const schema = JSON.parse(readFileSync(RECIPE_SCHEMA_URL, 'utf8')) as { $defs: Record<string, Record<string, unknown>> };
const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(schema, 'recipe');
const validTarget = ajv.getSchema('recipe#/$defs/target')!;
const validGlobal = ajv.getSchema('recipe#/$defs/globalStep')!;

/** A value the schema accepts for each key some method takes. */
const SAMPLES: Readonly<Record<string, unknown>> = {
  amount: 0.5,
  count: 1,
  schedule: { kind: 'constant', final: 0.5, start: 0 },
  n: 2,
  axis: 'out',
  dim: 0,
  importance_scores: { param: 'conv1/kernel' },
  mask: { file: 'masks.safetensors', tensor: 'conv1/kernel' },
  pattern: '2:4',
  module: 'plugins/m.ts',
  options: {},
};
const AMOUNT_KEYS = ['amount', 'count', 'schedule'];
const AXIS_KEYS = ['axis', 'dim'];

function takes(method: MethodInfo, key: string): boolean {
  if (AMOUNT_KEYS.includes(key)) return method.traits.amount !== null;
  if (AXIS_KEYS.includes(key)) return method.traits.axis !== null;
  if (key === 'importance_scores') return method.traits.importance;
  return method.fields.some((f) => f.key === key);
}

/** The method with its required keys (one of amount/count/schedule, one of axis/dim when it must), plus `extra`. */
function target(method: MethodInfo, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const value: Record<string, unknown> = { select: { param: 'kernel' }, method: method.name };
  for (const field of method.fields) if (field.required) value[field.key] = SAMPLES[field.key];
  const has = (keys: string[]) => keys.some((k) => k in extra);
  if (method.traits.amount !== null && !has(AMOUNT_KEYS)) value['amount'] = SAMPLES['amount'];
  if (method.traits.axis === 'required' && !has(AXIS_KEYS)) value['axis'] = SAMPLES['axis'];
  return { ...value, ...extra };
}

describe('method descriptors and the recipe schema', () => {
  it('the method enums list exactly the descriptors, in order', () => {
    expect(schema.$defs['method']?.['enum']).toEqual(METHOD_NAMES);
    expect(schema.$defs['globalMethod']?.['enum']).toEqual(GLOBAL_METHOD_NAMES);
  });

  it('the schema describes each method in its descriptor\'s words', () => {
    const description = String(schema.$defs['method']?.['description']);
    for (const method of METHOD_INFO) expect(description).toContain(`${method.name} ${method.summary}`);
  });

  it('the target properties are the shared keys and every descriptor field', () => {
    const properties = Object.keys((schema.$defs['target']?.['properties'] ?? {})).sort();
    const fields = METHOD_INFO.flatMap((m) => m.fields.map((f) => f.key));
    expect(properties).toEqual([...new Set(['select', 'method', ...AMOUNT_KEYS, ...AXIS_KEYS, 'importance_scores', ...fields])].sort());
  });

  for (const method of METHOD_INFO) {
    it(`${method.name}: the schema accepts exactly the keys its descriptor takes`, () => {
      expect(validTarget(target(method)), JSON.stringify(validTarget.errors)).toBe(true);
      for (const key of Object.keys(SAMPLES)) {
        const accepted = validTarget(target(method, { [key]: SAMPLES[key] }));
        expect({ key, accepted }).toEqual({ key, accepted: takes(method, key) });
      }
      for (const field of method.fields.filter((f) => f.required)) {
        const { [field.key]: _dropped, ...without } = target(method);
        expect({ missing: field.key, accepted: validTarget(without) }).toEqual({ missing: field.key, accepted: false });
      }
    });
  }

  it('a global step takes the global methods, and the layer cap where the descriptor says', () => {
    for (const method of METHOD_INFO) {
      const step = { method: method.name, select: [{ param: 'kernel' }], amount: 0.5 };
      expect({ method: method.name, accepted: validGlobal(step) }).toEqual({ method: method.name, accepted: method.global !== null });
      if (method.global === null) continue;
      const capped = validGlobal({ ...step, max_sparsity_per_layer: 0.9 });
      expect({ method: method.name, capped }).toEqual({ method: method.name, capped: method.global.capped });
    }
  });
});
