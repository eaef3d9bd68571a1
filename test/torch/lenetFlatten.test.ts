/**
 * torch's flatten order: a torch-layout mask on LeNet's fc1, which reads conv2's 5×5×16 map
 * flattened, lands on the weights torch pruned. The fixture (test/fixtures/torch/generate_lenet.py)
 * is torch 1.13's l1_unstructured on the torch twin of the built-in LeNet, with formula weights.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { masksOf, prune } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { applyPruneTask } from '../../src/engine/pruneTask.js';
import { RecipeError } from '../../src/errors.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { PruneTask } from '../../src/plan/types.js';
import { tfjsToTorch } from '../../src/prune/layout.js';
import { fromTorchLayout, toTorchLayout } from '../../src/prune/torchLayout.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { readFileSync } from 'node:fs';
import { formulaImages, lenetFixture, TORCH_FIXTURES, torchWeightedLenet } from '../helpers/torchLenet.js';

const RECIPE = `model: {builtin: lenet}
stages:
  - name: torch-masks
    targets:
${['conv1', 'conv2', 'fc1']
  .map((layer) => `      - {select: {layer: ${layer}, param: kernel}, method: custom_from_mask, mask: {file: lenet_masks.torch.safetensors, tensor: ${layer}.weight, layout: torch}}`)
  .join('\n')}
`;
const recipeFile = path.join(TORCH_FIXTURES, 'recipe.yaml');

beforeAll(async () => {
  await selectBackend('wasm');
});

const maxDifference = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))));

describe('torch layout of a dense kernel after a flatten', () => {
  it('moves TF.js row (y·w + x)·c + k to torch column (k·h + y)·w + x, and back', () => {
    const [h, w, c, out] = [2, 3, 4, 5];
    const values = Float32Array.from({ length: h * w * c * out }, (_, i) => i);
    const torch = toTorchLayout('dense', values, [h * w * c, out], { flattenedFrom: [h, w, c] });
    expect(torch.shape).toEqual([out, h * w * c]);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++)
          for (let o = 0; o < out; o++) expect(torch.values[o * h * w * c + (k * h + y) * w + x]).toBe(values[((y * w + x) * c + k) * out + o]);
    expect(fromTorchLayout('dense', torch.values, torch.shape, { flattenedFrom: [h, w, c] })).toEqual({ values, shape: [h * w * c, out] });
    expect(() => toTorchLayout('dense', values, [h * w * c, out], { flattenedFrom: [h, w, 5] })).toThrow(/cannot read a flatten of \[2, 3, 5\]/);
  });

  it('lays a depthwise kernel [kh, kw, in, mult] out as torch [in·mult, 1, kh, kw], and back', () => {
    const values = Uint8Array.from({ length: 2 * 2 * 3 * 2 }, (_, i) => i);
    const torch = toTorchLayout('depthwise', values, [2, 2, 3, 2]);
    expect(torch.shape).toEqual([6, 1, 2, 2]);
    // torch channel i·mult + m, tap (y, x) is TF.js [y, x, i, m]
    expect(torch.values[(1 * 2 + 1) * 4 + 1 * 2 + 0]).toBe(values[((1 * 2 + 0) * 3 + 1) * 2 + 1]);
    expect(fromTorchLayout('depthwise', torch.values, torch.shape, { depthMultiplier: 2 })).toEqual({ values, shape: [2, 2, 3, 2] });
    expect(() => fromTorchLayout('depthwise', torch.values, torch.shape)).toThrow(/depth multiplier/);
  });

  it('the torch-weighted LeNet gives torch outputs', () => {
    const model = torchWeightedLenet();
    const images = formulaImages();
    const outputs = tf.tidy(() => (model.predict(images) as tf.Tensor).arraySync() as number[][]);
    expect(maxDifference(outputs, lenetFixture().outputs.dense)).toBeLessThan(1e-5);
    model.dispose();
    images.dispose();
  });

  it('custom_from_mask with layout: torch prunes what torch pruned, fc1 included', async () => {
    const fixture = lenetFixture();
    const plan = buildPlan(await loadRecipeText(RECIPE, recipeFile), LENET_DESCRIPTION);
    const task = plan.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    expect(task.groups[2]!.planned['fc1/kernel']).toEqual({ layout: 'dense', axis: null, composes: false, flattenedFrom: [5, 5, 16] });
    const fromTorch = torchWeightedLenet();
    await applyPruneTask(fromTorch, task);
    // prune-run's own l1_unstructured on the same (tie-free) weights: torch's masks, entry for entry.
    const own = torchWeightedLenet();
    for (const [layer, amount] of Object.entries(fixture.amounts)) prune.l1Unstructured(own.getLayer(layer), 'kernel', { amount });
    const torchMasks = decodeSafetensors(readFileSync(`${TORCH_FIXTURES}lenet_masks.torch.safetensors`)).tensors;
    for (const layer of Object.keys(fixture.amounts)) {
      const mask = masksOf(fromTorch).get(`${layer}/kernel`)!.mask;
      expect(mask).toEqual(masksOf(own).get(`${layer}/kernel`)!.mask);
      expect(mask.length - mask.reduce((a, b) => a + b, 0)).toBe(fixture.pruned[`${layer}.weight`]);
    }
    // The plain transpose (the bug) puts many of fc1's torch entries on other weights.
    const fc1 = torchMasks.get('fc1.weight')!;
    const transposed = fromTorchLayout('dense', fc1.data as Uint8Array, fc1.shape).values;
    const fc1Mask = masksOf(fromTorch).get('fc1/kernel')!.mask;
    expect(transposed.filter((v, i) => v !== fc1Mask[i]).length).toBe(20_072); // of 48,000: the bug this fixes
    const images = formulaImages();
    const outputs = tf.tidy(() => (fromTorch.predict(images) as tf.Tensor).arraySync() as number[][]);
    expect(maxDifference(outputs, fixture.outputs.pruned)).toBeLessThan(1e-5);
    images.dispose();
    fromTorch.dispose();
    own.dispose();
    expect(tfjsToTorch('dense', new Uint8Array(48_000), [400, 120]).shape).toEqual(fc1.shape);
  });

  it('refuses layout: torch after a flatten when nothing says how the torch model flattens', async () => {
    const { torch: _torch, ...withoutTorch } = LENET_DESCRIPTION;
    const recipe = await loadRecipeText(RECIPE, recipeFile);
    const error = (() => {
      try {
        buildPlan(recipe, { ...withoutTorch, source: 'lenet/model.json' });
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(RecipeError);
    const problems = (error as RecipeError).problems;
    expect(problems).toHaveLength(1); // conv1 and conv2 read no flatten
    expect(problems[0]!.message).toMatch(/layout: torch on fc1\/kernel: layer 'fc1' reads the flatten 'flatten'/);
    expect(problems[0]!.at).toEqual({ file: recipeFile, line: 7, col: expect.any(Number) as number });
  });
});
