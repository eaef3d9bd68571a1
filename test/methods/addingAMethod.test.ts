/**
 * "Adding a method" (README) as a contributor does it: a copy of src/ and schemas/ gets a new
 * method — its descriptor file (with its maths), its line in METHODS, its schema entry — and
 * nothing else; then a recipe naming it is validated, resolved, planned and listed, bad input
 * about it is explained from its descriptor, and the TS API has its function.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the project, so that the copy resolves the project's node_modules and vitest compiles it.
const copy = mkdtempSync(path.join(root, 'test', '.added-method-'));

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(path.relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

function addTheMethod(): void {
  cpSync(path.join(root, 'src'), path.join(copy, 'src'), { recursive: true });
  cpSync(path.join(root, 'schemas'), path.join(copy, 'schemas'), { recursive: true });
  // 1. The descriptor, with its maths.
  cpSync(path.join(root, 'test/fixtures/methods/magnitudeThreshold.ts.fixture'), path.join(copy, 'src/methods/magnitudeThreshold.ts'));
  // 2. Its line in METHODS (and the import that names it).
  const index = path.join(copy, 'src/methods/index.ts');
  const text = readFileSync(index, 'utf8')
    .replace("import { lnStructured } from './lnStructured.js';", "import { lnStructured } from './lnStructured.js';\nimport { magnitudeThreshold } from './magnitudeThreshold.js';")
    .replace('  custom,\n] as const;', '  custom,\n  magnitudeThreshold,\n] as const;');
  writeFileSync(index, text);
  // 3. Its schema entry: the enum, its key, and when it is required or refused.
  const schemaFile = path.join(copy, 'schemas/recipe.schema.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { $defs: Record<string, Record<string, unknown>> };
  (schema.$defs['method']!['enum'] as string[]).push('magnitude_threshold');
  const target = schema.$defs['target']!;
  (target['properties'] as Record<string, unknown>)['threshold'] = { description: 'magnitude_threshold only: entries with |w| below it are pruned.', type: 'number', minimum: 0 };
  const only = (method: string, positive: boolean) => ({
    properties: { method: { description: `The rule below applies when the method is ${positive ? '' : 'not '}${method}.`, ...(positive ? { const: method } : { not: { const: method } }) } },
    required: ['method'],
  });
  (target['allOf'] as unknown[]).push(
    { if: only('magnitude_threshold', true), then: { required: ['threshold'], not: { anyOf: ['amount', 'count', 'schedule', 'n', 'axis', 'dim'].map((k) => ({ required: [k] })) } } },
    { if: only('magnitude_threshold', false), then: { not: { anyOf: [{ required: ['threshold'] }] } } },
  );
  writeFileSync(schemaFile, `${JSON.stringify(schema, null, 2)}\n`);
}

type LoadModule = typeof import('../../src/recipe/load.js');
type PlanModules = [typeof import('../../src/plan/build.js'), typeof import('../../src/plan/format.js'), typeof import('../../src/models/lenet.js')];
let load: LoadModule;
let planning: PlanModules;

beforeAll(async () => {
  addTheMethod();
  load = (await import(path.join(copy, 'src/recipe/load.ts'))) as LoadModule;
  planning = (await Promise.all([
    import(path.join(copy, 'src/plan/build.ts')),
    import(path.join(copy, 'src/plan/format.ts')),
    import(path.join(copy, 'src/models/lenet.ts')),
  ])) as PlanModules;
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

const recipe = (fields: string) => `model: {builtin: lenet}\nstages:\n  - name: a\n    targets:\n      - {select: {layer: fc3, param: kernel}, ${fields}}\n`;

async function problems(text: string): Promise<string[]> {
  try {
    await load.loadRecipeText(text, 'recipes/r.yaml');
    return [];
  } catch (error) {
    const problemsOf = (error as { problems?: { at: { line: number; col: number }; message: string }[] }).problems ?? [];
    return problemsOf.map((p) => `${p.at.line}:${p.at.col} ${p.message}`);
  }
}

describe('adding a method', () => {
  it('touches three files: the descriptor, the METHODS list and the schema', () => {
    const before = new Map([...filesUnder(path.join(root, 'src'))].map(([f, t]) => [`src/${f}`, t]));
    for (const [f, t] of filesUnder(path.join(root, 'schemas'))) before.set(`schemas/${f}`, t);
    const after = new Map([...filesUnder(path.join(copy, 'src'))].map(([f, t]) => [`src/${f}`, t]));
    for (const [f, t] of filesUnder(path.join(copy, 'schemas'))) after.set(`schemas/${f}`, t);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f)).sort();
    expect(changed).toEqual(['schemas/recipe.schema.json', 'src/methods/index.ts', 'src/methods/magnitudeThreshold.ts']);
  });

  it('a recipe naming it resolves to its spec and plans, and --dry-run says what it does', async () => {
    const resolved = await load.loadRecipeText(recipe('method: magnitude_threshold, threshold: 0.05'), 'recipes/r.yaml');
    const step = resolved.stages[0]!.prune;
    expect(step.scope === 'local' && step.targets[0]!.method).toEqual({ method: 'magnitude_threshold', threshold: 0.05 });
    const [build, format, lenet] = planning;
    const listing = format.formatPlan(build.buildPlan(resolved, lenet.LENET_DESCRIPTION));
    expect(listing).toContain('magnitude_threshold |w| < 0.05 on each of 1 parameter(s), each on its own');
    expect(listing).toContain('fc3/kernel [84, 10]: prunes every one of its 840 entries whose |w| is below 0.05');
  });

  it('bad input about it is explained from its descriptor, located', async () => {
    expect(await problems(recipe('method: magnitude_threshold'))).toEqual([
      '5:9 stages[0].targets[0] is missing the required key "threshold" (magnitude_threshold removes every |w| below it: threshold: 0.05)',
    ]);
    expect(await problems(recipe('method: l1_unstructured, amount: 0.5, threshold: 0.1'))).toEqual([
      '5:85 stages[0].targets[0].threshold does not apply to method "l1_unstructured": threshold is for magnitude_threshold only (the magnitude below which entries go)',
    ]);
  });

  it('the TS API has its function, which prunes through the same store as every method', async () => {
    await tf.setBackend('cpu');
    const api = (await import(path.join(copy, 'src/index.ts'))) as { prune: Record<string, (layer: tf.layers.Layer, param: string, options: unknown) => tf.layers.Layer> };
    const layer = tf.layers.dense({ units: 2, useBias: false, inputShape: [2], weights: [tf.tensor2d([[0.01, -0.5], [0.2, -0.02]])] });
    tf.sequential({ layers: [layer] });
    api.prune['magnitudeThreshold']!(layer, 'kernel', { threshold: 0.05 });
    expect(Array.from(layer.getWeights()[0]!.dataSync())).toEqual([0, -0.5, Math.fround(0.2), 0]);
  });
});
