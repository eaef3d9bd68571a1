/**
 * importance_scores from a safetensors file, through the real command: a global step whose
 * mapping ranks fc1 by a torch-layout tensor (fc1 reads conv2's flattened map, so rows are
 * reordered as torch flattens) and conv2 by its weights; a local target ranked by a TF.js-layout
 * tensor. The scores are made so that the pruned entries are known in advance.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../src/formats/safetensors.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

// fc1 torch [120, 400]: tiny and increasing in torch's flat order, far below any initial weight
// of conv2, so the global count takes fc1's first entries in torch's order.
const FC1_TORCH = Float32Array.from({ length: 120 * 400 }, (_, i) => (i + 1) * 1e-9);
const GLOBAL_COUNT = 100;
// fc3 TF.js [84, 10]: decreasing, so 10% (84 entries) takes the last 84 in TF.js order.
const FC3_TFJS = Float32Array.from({ length: 840 }, (_, i) => 840 - i);

const RECIPE = `seed: 3
model: {builtin: lenet}
stages:
  - name: global
    global:
      method: l1_unstructured
      count: ${String(GLOBAL_COUNT)}
      select: [{layer: conv2, param: kernel}, {layer: fc1, param: kernel}]
      importance_scores:
        fc1/kernel: {file: scores.safetensors, tensor: fc1.weight, layout: torch}
  - name: local
    targets:
      - select: {layer: fc3, param: kernel}
        method: l1_unstructured
        amount: 0.1
        importance_scores: {file: scores.safetensors, tensor: fc3/kernel}
report: {save_model: false}
`;

const run = runRecipeOnce({
  file: 'scores.yaml',
  text: RECIPE,
  setUp: async (cwd) => {
    const bytes = encodeSafetensors([
      { name: 'fc1.weight', dtype: 'F32', shape: [120, 400], data: FC1_TORCH },
      { name: 'fc3/kernel', dtype: 'F32', shape: [84, 10], data: FC3_TFJS },
    ]);
    await writeFile(path.join(cwd, 'scores.safetensors'), bytes);
  },
});

async function masksIn(file: string): Promise<Map<string, Uint8Array>> {
  const decoded = decodeSafetensors(await readFile(path.join(run.runDir, file)));
  return new Map([...decoded.tensors].map(([name, t]) => [name, Uint8Array.from(t.data)]));
}

const prunedIndices = (mask: Uint8Array) => [...mask.keys()].filter((i) => mask[i] === 0);

describe('importance_scores from a safetensors file in a recipe', () => {
  it('global: fc1 ranked by its torch-layout scores (in torch order), conv2 by its weights', async () => {
    const torchMasks = await masksIn('masks.torch.safetensors');
    expect(prunedIndices(torchMasks.get('fc1.weight')!)).toEqual([...Array(GLOBAL_COUNT).keys()]);
    expect(prunedIndices(torchMasks.get('conv2.weight')!)).toEqual([]);
  });

  it('local: fc3 ranked by its TF.js-layout scores', async () => {
    const masks = await masksIn('masks.safetensors');
    expect(prunedIndices(masks.get('fc3/kernel')!)).toEqual(Array.from({ length: 84 }, (_, i) => 756 + i));
  });

  it('the plan names the scores file', async () => {
    const plan = await readFile(path.join(run.runDir, 'plan.json'), 'utf8');
    expect(plan).toContain('"importanceByParameter"');
    expect(plan).toContain('scores.safetensors');
  });
});
