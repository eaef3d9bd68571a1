import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECIPE_LIMITS } from '../../src/recipe/limits.js';
import { RECIPE_SCHEMA_URL } from '../../src/recipe/validate.js';

interface Maximum {
  maximum: number;
}

interface Schema {
  properties: { stages: { maxItems: number } };
  $defs: {
    stage: { properties: { repeat: Maximum } };
    epochs: Maximum;
    batchSize: Maximum;
    model: { properties: { classes: Maximum; input_shape: { items: Maximum } } };
  };
}

describe('RECIPE_LIMITS', () => {
  it('are the numbers the schema gives editors (one limit, two places that must agree)', () => {
    const schema = JSON.parse(readFileSync(RECIPE_SCHEMA_URL, 'utf8')) as Schema;
    expect(schema.properties.stages.maxItems).toBe(RECIPE_LIMITS.stages);
    expect(schema.$defs.stage.properties.repeat.maximum).toBe(RECIPE_LIMITS.repeat);
    expect(schema.$defs.epochs.maximum).toBe(RECIPE_LIMITS.epochs);
    expect(schema.$defs.batchSize.maximum).toBe(RECIPE_LIMITS.batchSize);
    expect(schema.$defs.model.properties.classes.maximum).toBe(RECIPE_LIMITS.classes);
    expect(schema.$defs.model.properties.input_shape.items.maximum).toBe(RECIPE_LIMITS.inputSide);
  });

});
