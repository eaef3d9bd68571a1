/**
 * importance_scores in a recipe's global step, as torch's global_unstructured takes them
 * (importance_scores={(module, name): scores}), recipe → plan → engine: the torch runs of
 * api_conformance.json (generate_api.py) replayed as recipes, with the scores read from a
 * safetensors file in torch layout and in TF.js layout; the plan-time refusals, located; and the
 * scores file's content in the prune task's cache key; a local target's file scores checked likewise.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { TaskKeys } from '../../src/cache/keys.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildArchitecture } from '../../src/engine/builtinModels.js';
import { applyPruneTask } from '../../src/engine/pruneTask.js';
import { weightNamed, writeWeight } from '../../src/engine/weights.js';
import { RecipeError } from '../../src/errors.js';
import { encodeSafetensors, type NamedTensorInput } from '../../src/formats/safetensors.js';
import { describeArchitecture, type Architecture } from '../../src/models/architecture.js';
import { buildPlan } from '../../src/plan/build.js';
import type { PruneTask } from '../../src/plan/types.js';
import { torchToTfjs, type WeightLayout } from '../../src/prune/index.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { makeTempDir, removeDir } from '../helpers/cli.js';

interface FixtureCase {
  name: string;
  params: { name: string; layout: WeightLayout; shape: number[]; weights: number[] }[];
  scores: { name: string; shape: number[]; values: number[] }[];
  masks: Record<string, number[]>[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/api_conformance.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };
const caseNamed = (name: string) => fixture.cases.find((c) => c.name === name)!;

/**
 * The fixture's three parameters as kernels of one chain: conv torch [5, 3, 3, 3], small [3, 5]
 * (reads the pooled 5 channels), fc [7, 9] (reads a 9-unit layer between them).
 */
const ARCHITECTURE: Architecture = {
  name: 'three',
  layers: [
    { kind: 'input', name: 'input', shape: [6, 6, 3] },
    { kind: 'conv', name: 'conv', input: 'input', filters: 5, kernelSize: 3, strides: 1 },
    { kind: 'global_average_pool', name: 'pool', input: 'conv' },
    { kind: 'dense', name: 'small', input: 'pool', units: 3 },
    { kind: 'dense', name: 'wide', input: 'small', units: 9 },
    { kind: 'dense', name: 'fc', input: 'wide', units: 7 },
  ],
};
const DESCRIPTION = describeArchitecture(ARCHITECTURE);

let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await makeTempDir();
});

afterAll(async () => {
  await removeDir(dir);
});

const tfjsOf = (layout: WeightLayout, values: readonly number[], torchShape: readonly number[]) =>
  torchToTfjs(layout, Float32Array.from(values), torchShape);

async function writeScores(file: string, tensors: readonly NamedTensorInput[]): Promise<void> {
  await writeFile(path.join(dir, file), encodeSafetensors([...tensors]));
}

function pruneTasks(recipeText: string, file = 'r.yaml') {
  return loadRecipeText(recipeText, path.join(dir, file)).then((recipe) => {
    const plan = buildPlan(recipe, DESCRIPTION);
    return { plan, prunes: plan.tasks.filter((t): t is PruneTask => t.kind === 'prune') };
  });
}

/** Runs the prune tasks on the chain holding the case's weights; the masks in torch's order of names. */
async function replay(c: FixtureCase, prunes: readonly PruneTask[]): Promise<Map<string, number[]>> {
  const model = buildArchitecture(ARCHITECTURE, 1);
  try {
    for (const p of c.params) writeWeight(weightNamed(model, `${p.name}/kernel`), tfjsOf(p.layout, p.weights, p.shape).values);
    for (const task of prunes) await applyPruneTask(model, task);
    const masks = masksOf(model);
    return new Map(masks.names().map((name) => [name, Array.from(masks.get(name)!.mask)]));
  } finally {
    model.dispose();
  }
}

function expectTorchMasks(c: FixtureCase, masks: ReadonlyMap<string, number[]>): void {
  const torchMasks = c.masks[c.masks.length - 1]!;
  for (const p of c.params) {
    const expected = Array.from(torchToTfjs(p.layout, Uint8Array.from(torchMasks[p.name]!), p.shape).values);
    expect(masks.get(`${p.name}/kernel`), `${c.name}: ${p.name}`).toEqual(expected);
  }
}

const SELECT = '[{layer: conv, param: kernel}, {layer: fc, param: kernel}, {layer: small, param: kernel}]';

describe('a global step with importance_scores gives torch global_unstructured masks', () => {
  it('fc ranked by a torch-layout file tensor, conv and small by their weights', async () => {
    const c = caseNamed('global 40% with importance_scores for fc');
    const s = c.scores.find((x) => x.name === 's')!;
    await writeScores('s.safetensors', [{ name: 'fc.weight', dtype: 'F32', shape: s.shape, data: Float32Array.from(s.values) }]);
    const { prunes } = await pruneTasks(`model: {builtin: lenet}
stages:
  - name: g
    global:
      method: l1_unstructured
      amount: 0.4
      select: ${SELECT}
      importance_scores:
        fc/kernel: {file: s.safetensors, tensor: fc.weight, layout: torch}
`);
    expect(prunes[0]!.groups[0]!.importanceByParameter).toEqual({
      'fc/kernel': {
        kind: 'tensor',
        layout: 'dense',
        tensor: { file: path.join(dir, 's.safetensors'), tensor: 'fc.weight', layout: 'torch', shape: [7, 9], sha256: expect.any(String) as string },
      },
    });
    expectTorchMasks(c, await replay(c, prunes));
  });

  it('after a local step; conv ranked by a torch-layout tensor, small by a TF.js-layout one', async () => {
    const c = caseNamed('local then global count with importance_scores for conv and small');
    const conv = c.scores.find((x) => x.name === 'c')!;
    const small = c.scores.find((x) => x.name === 't')!;
    const smallTfjs = tfjsOf('dense', small.values, small.shape);
    await writeScores('ct.safetensors', [
      { name: 'conv.weight', dtype: 'F32', shape: conv.shape, data: Float32Array.from(conv.values) },
      { name: 'small/kernel', dtype: 'F32', shape: smallTfjs.shape, data: smallTfjs.values },
    ]);
    const { prunes } = await pruneTasks(`model: {builtin: lenet}
stages:
  - name: local
    targets:
      - {select: {layer: fc, param: kernel}, method: l1_unstructured, amount: 0.3}
  - name: g
    global:
      method: l1_unstructured
      count: 60
      select: ${SELECT}
      importance_scores:
        conv/kernel: {file: ct.safetensors, tensor: conv.weight, layout: torch}
        small/kernel: {file: ct.safetensors, tensor: small/kernel}
`);
    expectTorchMasks(c, await replay(c, prunes));
  });

  it('ranks by another parameter of the same shape, and --dry-run says which', async () => {
    const { plan, prunes } = await pruneTasks(`model: {builtin: lenet}
stages:
  - name: g
    global:
      method: l1_unstructured
      amount: 0.5
      select: [{layer: small, param: kernel}, {layer: conv, param: kernel}]
      importance_scores:
        small/kernel: {param: small/kernel}
`);
    expect(prunes[0]!.groups[0]!.importanceByParameter).toEqual({ 'small/kernel': { kind: 'parameter', name: 'small/kernel' } });
    const { summarizePruneTask } = await import('../../src/plan/format.js');
    expect(summarizePruneTask(prunes[0]!)).toContain("(ranked small/kernel by small/kernel's values; the others by their weights)");
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

async function problems(text: string): Promise<string[]> {
  try {
    await pruneTasks(text, 'v.yaml');
  } catch (error) {
    if (error instanceof RecipeError) return error.problems.map((p) => `${String(p.at.line)}:${String(p.at.col)} ${p.message}`);
    throw error;
  }
  throw new Error('expected a RecipeError');
}

const globalWith = (scores: string) => `model: {builtin: lenet}
stages:
  - name: g
    global:
      method: l1_unstructured
      amount: 0.5
      select: [{layer: conv, param: kernel}, {layer: small, param: kernel}]
      importance_scores:
${scores}`;

describe('importance_scores of a global step, refused before anything runs', () => {
  beforeAll(async () => {
    await writeScores('bad.safetensors', [
      { name: 'conv.weight', dtype: 'F32', shape: [5, 3, 3, 3], data: new Float32Array(135) },
      { name: 'small/kernel', dtype: 'F32', shape: [5, 3], data: new Float32Array(15) },
      { name: 'ints', dtype: 'I32', shape: [5, 3], data: new Int32Array(15) },
    ]);
  });

  it('a key that is not a selected parameter, at the key', async () => {
    expect(await problems(globalWith('        fc/kernel: {param: fc/kernel}\n'))).toEqual([
      '9:9 importance_scores: fc/kernel is not among the parameters this global step selects (conv/kernel, small/kernel); ' +
        'a key names a selected parameter, the scores rank it',
    ]);
  });

  it('a file tensor of the wrong shape, or in TF.js layout where torch is given, at the tensor', async () => {
    expect(await problems(globalWith('        small/kernel: {file: bad.safetensors, tensor: conv.weight}\n'))).toEqual([
      '9:55 importance_scores tensor "conv.weight" [5, 3, 3, 3] does not have the shape of small/kernel (dense kernel, shape [5, 3]), which it would rank',
    ]);
    expect(await problems(globalWith('        small/kernel: {file: bad.safetensors, tensor: small/kernel, layout: torch}\n'))).toEqual([
      '9:55 importance_scores tensor "small/kernel" [5, 3] (layout: torch) does not have the torch shape [3, 5] of small/kernel (dense kernel, shape [5, 3])',
    ]);
  });

  it('a missing file, a missing tensor, a tensor that is not float32, at the file or the tensor', async () => {
    expect(await problems(globalWith('        small/kernel: {file: none.safetensors, tensor: t}\n'))).toEqual([
      `9:30 scores file not found: "none.safetensors" (looked for ${path.join(dir, 'none.safetensors')}; relative paths start at the recipe's folder)`,
    ]);
    expect(await problems(globalWith('        small/kernel: {file: bad.safetensors, tensor: fc.weight}\n'))).toEqual([
      '9:55 scores file "bad.safetensors" has no tensor "fc.weight"; its tensors: conv.weight [5, 3, 3, 3], small/kernel [5, 3], ints [5, 3]',
    ]);
    expect(await problems(globalWith('        small/kernel: {file: bad.safetensors, tensor: ints}\n'))).toEqual([
      '9:55 importance_scores tensor "ints" in "bad.safetensors" is I32; scores must be F32 (float32)',
    ]);
  });

  it('a parameter of another shape; random_unstructured takes no scores', async () => {
    expect(await problems(globalWith('        small/kernel: {param: fc/kernel}\n'))).toEqual([
      '9:31 importance_scores.param fc/kernel has shape [9, 7] but small/kernel, which it ranks, has shape [5, 3]; ' +
        'the scores must have the shape of the parameter they rank',
    ]);
    const random = globalWith('        small/kernel: {param: small/kernel}\n').replace('l1_unstructured', 'random_unstructured');
    expect(await problems(random)).toEqual([
      '8:7 stages[0].global.importance_scores does not apply to method "random_unstructured": ' +
        'importance_scores is for l1_unstructured, ln_structured, semi_structured and custom, which rank by scores (random methods ignore them)',
    ]);
  });
});

describe('the scores file in the cache key', () => {
  const RECIPE = globalWith('        small/kernel: {file: k.safetensors, tensor: small/kernel}\n');
  const pruneKey = async (values: Float32Array) => {
    await writeScores('k.safetensors', [{ name: 'small/kernel', dtype: 'F32', shape: [5, 3], data: values }]);
    const { plan } = await pruneTasks(RECIPE);
    const keys = new TaskKeys({ engine: 'test' });
    return plan.tasks.map((task) => ({ kind: task.kind, key: keys.keyOf(task) })).find((t) => t.kind === 'prune')!.key;
  };

  it('changes with the scores, not otherwise', async () => {
    const first = await pruneKey(Float32Array.from({ length: 15 }, (_, i) => i + 1));
    expect(await pruneKey(Float32Array.from({ length: 15 }, (_, i) => i + 1))).toBe(first);
    expect(await pruneKey(Float32Array.from({ length: 15 }, (_, i) => 15 - i))).not.toBe(first);
  });
});

describe('importance_scores from a file on a local target', () => {
  it('is checked against every parameter the target prunes, at the tensor', async () => {
    await writeScores('local.safetensors', [{ name: 'small.weight', dtype: 'F32', shape: [3, 5], data: new Float32Array(15) }]);
    const text = (select: string) => `model: {builtin: lenet}
stages:
  - name: l
    targets:
      - select: ${select}
        method: l1_unstructured
        amount: 0.5
        importance_scores: {file: local.safetensors, tensor: small.weight, layout: torch}
`;
    const { prunes } = await pruneTasks(text('{layer: small, param: kernel}'));
    expect(prunes[0]!.groups[0]!.importance).toMatchObject({ kind: 'tensor', layout: 'dense', tensor: { tensor: 'small.weight', shape: [3, 5] } });
    expect(await problems(text('{layer: fc, param: kernel}'))).toEqual([
      '8:62 importance_scores tensor "small.weight" [3, 5] (layout: torch) does not have the torch shape [7, 9] of fc/kernel (dense kernel, shape [9, 7])',
    ]);
    expect(await problems(text('{layer: small, param: bias}'))).toEqual([
      '8:62 layout: torch needs a conv2d or dense kernel, whose torch layout prune-run knows, but the scores are for small/bias (dense bias, shape [3])',
    ]);
  });
});
