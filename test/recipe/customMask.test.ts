/**
 * custom_from_mask in the recipe → plan → engine chain: the load step reads and checks the mask
 * and resolves it to a plain MaskReference (file, tensor, layout, shape, sha256); the planner puts
 * that reference, not the bytes, into the plan; the engine reads the tensor when it prunes and
 * refuses a file that changed since it was checked.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { applyPruneTask } from '../../src/engine/pruneTask.js';
import { EngineError, RecipeError } from '../../src/errors.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { PruneTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { encodeSafetensors } from '../../src/formats/safetensors.js';
import { makeTempDir, removeDir } from '../helpers/cli.js';

let dir: string;
const MASK = Uint8Array.from({ length: 840 }, (_, i) => (i % 3 === 0 ? 0 : 1)); // torch [10, 84]
let bytes: Uint8Array;

const RECIPE = `model: {builtin: lenet}
stages:
  - name: custom
    targets:
      - select: {layer: fc3, param: kernel}
        method: custom_from_mask
        mask: {file: masks.safetensors, tensor: fc3.weight, layout: torch}
`;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await makeTempDir();
  bytes = encodeSafetensors([{ name: 'fc3.weight', dtype: 'U8', shape: [10, 84], data: MASK }]);
  await writeFile(path.join(dir, 'masks.safetensors'), bytes);
});

afterAll(async () => {
  await removeDir(dir);
});

describe('custom_from_mask from recipe to engine', () => {
  it('resolves to a plain, frozen MaskReference and plans it as data', async () => {
    const recipe = await loadRecipeText(RECIPE, path.join(dir, 'r.yaml'));
    const target = recipe.stages[0]!.prune.scope === 'local' ? recipe.stages[0]!.prune.targets[0]! : null;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(target?.method).toEqual({
      method: 'custom_from_mask',
      mask: { file: path.join(dir, 'masks.safetensors'), tensor: 'fc3.weight', layout: 'torch', shape: [10, 84], sha256 },
    });
    expect(target?.optionsAt.mask).toEqual({ file: path.join(dir, 'r.yaml'), line: 7, col: 49 });
    expect(Object.isFrozen(target?.method)).toBe(true);
    const plan = buildPlan(recipe, LENET_DESCRIPTION);
    const prune = plan.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    expect(prune.groups[0]!.method).toEqual(target?.method);
    expect(prune.groups[0]!.planned['fc3/kernel']).toEqual({ layout: 'dense', axis: null, composes: false });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('the engine applies the mask mapped to TF.js layout, and refuses a file changed since the check', async () => {
    const recipe = await loadRecipeText(RECIPE, path.join(dir, 'r.yaml'));
    const prune = buildPlan(recipe, LENET_DESCRIPTION).tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    const model = buildLenet(1);
    await applyPruneTask(model, prune);
    const state = masksOf(model).get('fc3/kernel')!;
    // TF.js [84, 10]: entry (i, o) is torch's (o, i)
    for (let i = 0; i < 84; i++) for (let o = 0; o < 10; o++) expect(state.mask[i * 10 + o]).toBe(MASK[o * 84 + i]);
    expect(state.history).toEqual([{ method: 'custom_from_mask', size: 840, pruned: 280, tensor: 'fc3.weight', layout: 'torch' }]);
    model.dispose();

    await writeFile(path.join(dir, 'masks.safetensors'), encodeSafetensors([{ name: 'fc3.weight', dtype: 'U8', shape: [10, 84], data: new Uint8Array(840) }]));
    const other = buildLenet(1);
    await expect(applyPruneTask(other, prune)).rejects.toThrow(EngineError);
    await expect(applyPruneTask(other, prune)).rejects.toThrow(/changed since the recipe was checked/);
    expect(masksOf(other).names()).toEqual([]);
    other.dispose();
    await writeFile(path.join(dir, 'masks.safetensors'), bytes);
  });
});

async function problems(text: string): Promise<string[]> {
  try {
    await loadRecipeText(text, path.join(dir, 'v.yaml'));
  } catch (error) {
    if (error instanceof RecipeError) return error.problems.map((p) => `${String(p.at.line)}:${String(p.at.col)} ${p.message}`);
    throw error;
  }
  throw new Error('expected a RecipeError');
}

const target = (body: string) => `model: {builtin: lenet}
stages:
  - name: s
    targets:
      - select: {layer: fc3, param: kernel}
${body}`;

describe('custom_from_mask in the schema', () => {
  it('mask belongs to custom_from_mask only, and an unknown layout lists the two', async () => {
    expect(await problems(target('        method: l1_unstructured\n        amount: 0.2\n        mask: {file: masks.safetensors, tensor: fc3.weight}\n'))).toEqual([
      '8:9 stages[0].targets[0].mask does not apply to method "l1_unstructured": mask is for custom_from_mask only (the mask to multiply in)',
    ]);
    const [layout] = await problems(target('        method: custom_from_mask\n        mask: {file: masks.safetensors, tensor: fc3.weight, layout: pytorch}\n'));
    expect(layout).toMatch(/^7:69 .*layout must be one of tfjs, torch, got "pytorch"/);
  });

  it('a global step cannot use it, and says why', async () => {
    const [message] = await problems(`model: {builtin: lenet}
stages:
  - name: s
    global:
      method: custom_from_mask
      amount: 0.2
      select: [{param: kernel}]
`);
    expect(message).toMatch(/global pruning ranks single entries across parameters; use targets for this method/);
  });

  it('several targets may name the same file (however spelt) and tensor', async () => {
    const recipe = await loadRecipeText(
      target('        method: custom_from_mask\n        mask: {file: masks.safetensors, tensor: fc3.weight, layout: torch}\n') +
        '      - select: {layer: fc3, param: kernel}\n        method: custom_from_mask\n        mask: {file: ./masks.safetensors, tensor: fc3.weight, layout: torch}\n',
      path.join(dir, 'twice.yaml'),
    );
    const step = recipe.stages[0]!.prune;
    expect(step.scope === 'local' ? step.targets.map((t) => t.method) : []).toHaveLength(2);
  });
});
