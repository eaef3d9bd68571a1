import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECIPE_LIMITS } from '../../src/recipe/limits.js';
import { RECIPE_SCHEMA_URL } from '../../src/recipe/validate.js';

interface Schema {
  properties: { stages: { maxItems: number } };
  $defs: { stage: { properties: { repeat: { maximum: number } } } };
}

describe('RECIPE_LIMITS', () => {
  it('are the numbers the schema gives editors (one limit, two places that must agree)', () => {
    const schema = JSON.parse(readFileSync(RECIPE_SCHEMA_URL, 'utf8')) as Schema;
    expect(schema.properties.stages.maxItems).toBe(RECIPE_LIMITS.stages);
    expect(schema.$defs.stage.properties.repeat.maximum).toBe(RECIPE_LIMITS.repeat);
  });

});
