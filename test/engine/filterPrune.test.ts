/**
 * Filter pruning to a target on LeNet, through the plan and the engine: whole filters go with
 * their bias entries and the fc1 / conv2 inputs that read them, the model ends at or just above
 * the target (one filter fewer would fall short), the compact export then really drops them, and
 * a recipe that selects something without filters is refused at the selector.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { compactModel } from '../../src/export/compact/index.js';
import { pruneFiltersToTarget } from '../../src/engine/filterPrune.js';
import { EngineSession } from '../../src/engine/session.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { LoadModelTask, PruneTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const recipe = (select: string, target: number) => `seed: 4
model: {builtin: lenet}
stages:
  - name: f
    filters:
      select: [${select}]
      target: ${target}
`;

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('filter pruning on LeNet', () => {
  it('reaches the target with whole filters, their biases and the inputs that read them', async () => {
    const plan = buildPlan(await loadRecipeText(recipe('{layer_type: conv2d, param: kernel}', 0.3), 'f.yaml'), LENET_DESCRIPTION);
    const prune = plan.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    expect(prune.filters).toEqual({ kernels: ['conv1/kernel', 'conv2/kernel'], target: 0.3 });
    const session = new EngineSession();
    try {
      await session.loadModel(plan.tasks[0] as LoadModelTask);
      const result = session.prune(prune);
      const masks = masksOf(session.model);
      const total = 60074;
      const zeros = masks.globalSparsity().zeros;
      expect(zeros / total).toBeGreaterThanOrEqual(0.3);
      // conv2 filters cost 54 + 1 + 25·120 = 3055 entries each: at most one more than needed.
      expect(zeros / total - 0.3).toBeLessThan(3055 / total);
      const dead = (name: string, filters: number) => {
        const mask = masks.get(name)!.mask;
        return Array.from({ length: filters }, (_, f) => f).filter((f) => {
          for (let i = f; i < mask.length; i += filters) if (mask[i] === 1) return false;
          return true;
        });
      };
      const conv2Dead = dead('conv2/kernel', 16);
      expect(conv2Dead.length).toBeGreaterThan(0);
      // Each dead conv2 filter's bias entry and its 25 flattened positions in every fc1 unit.
      const bias = masks.get('conv2/bias')!.mask;
      const fc1 = masks.get('fc1/kernel')!.mask;
      for (const f of conv2Dead) {
        expect(bias[f]).toBe(0);
        for (let row = f; row < 400; row += 16) for (let o = 0; o < 120; o++) expect(fc1[row * 120 + o]).toBe(0);
      }
      expect(fc1.filter((m) => m === 0).length).toBe(conv2Dead.length * 25 * 120);
      expect(result.parameters.has('fc1/kernel')).toBe(true);
      // The compact model drops exactly those filters.
      const compact = compactModel(session.model);
      expect(compact.layers.find((l) => l.name === 'conv2')!.removed).toEqual(conv2Dead);
      compact.model.dispose();
    } finally {
      await session.dispose();
    }
  });

  it('refuses a selector that picks something without filters, at the selector', async () => {
    const text = recipe('{layer_type: conv2d, param: kernel}, {layer: fc1, param: kernel}', 0.3);
    const resolved = await loadRecipeText(text, 'f.yaml');
    expect(await recipeProblems(() => buildPlan(resolved, LENET_DESCRIPTION))).toEqual([
      '6:53 filters: fc1/kernel (dense kernel) has no filters to remove; select conv2d kernels ({layer_type: conv2d, param: kernel})',
    ]);
  });

  it('says when the target is out of reach', async () => {
    const plan = buildPlan(await loadRecipeText(recipe('{layer: conv1, param: kernel}', 0.5), 'f.yaml'), LENET_DESCRIPTION);
    const session = new EngineSession();
    try {
      await session.loadModel(plan.tasks[0] as LoadModelTask);
      expect(() => session.prune(plan.tasks.find((t): t is PruneTask => t.kind === 'prune')!)).toThrow(
        /cannot reach 50.00% of the model's 60074 parameters: with one filter left in each of conv1\/kernel it prunes 770 \(1.28%\)/,
      );
      expect(masksOf(session.model).names()).toEqual([]);
    } finally {
      await session.dispose();
    }
  });

  it('refuses a model that is not a chain, naming the layer that breaks it', () => {
    const input = tf.input({ shape: [8, 8, 1], name: 'pixels' });
    const a = tf.layers.conv2d({ name: 'a', filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ name: 'b', filters: 4, kernelSize: 3, padding: 'same' }).apply(a) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'residual' }).apply([a, b]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: sum });
    try {
      expect(() => pruneFiltersToTarget(model, ['a/kernel'], 0.2)).toThrow(
        expect.objectContaining({
          code: 'FILTERS_UNSUPPORTED',
          message: "filter pruning: layer 'residual' (Add): a residual add joins several branches; compaction supports simple chains of layers only",
        }),
      );
    } finally {
      model.dispose();
    }
  });
});
