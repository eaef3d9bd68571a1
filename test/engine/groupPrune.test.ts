/**
 * `filters:` through the plan and the engine: whole channel groups lose channels until the
 * removed ones take away the target (of parameters or MACs); a removed channel is masked in every
 * member of its group, across a residual add and through batch norm, so it outputs exactly zero;
 * every group keeps its floor; refusals (a kernel whose channels are the output, a target out of
 * reach) come from the plan, located.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { EngineSession } from '../../src/engine/session.js';
import { describeBuiltinModel } from '../../src/models/builtin.js';
import { channelGroups } from '../../src/models/channelGroups.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { LoadModelTask, PruneTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const lenetRecipe = (select: string, target: string, extra = '') => `seed: 4
model: {builtin: lenet}
stages:
  - name: f
    filters:
      select: [${select}]
      target: ${target}${extra}
`;

const resnetRecipe = (target: string) => `seed: 4
model: {builtin: resnet, depth: 8, width: 0.5, input_shape: [8, 8, 1], classes: 3}
stages:
  - name: f
    filters:
      select: [{layer_type: conv2d, param: kernel}]
      target: ${target}
`;

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Channels of `name` (out axis last) whose every mask entry is 0. */
function deadOutputs(mask: Uint8Array, channels: number): number[] {
  return Array.from({ length: channels }, (_, c) => c).filter((c) => {
    for (let i = c; i < mask.length; i += channels) if (mask[i] === 1) return false;
    return true;
  });
}

async function pruned(text: string, model = LENET_DESCRIPTION) {
  const plan = buildPlan(await loadRecipeText(text, 'f.yaml'), model);
  const task = plan.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
  const session = new EngineSession();
  await session.loadModel(plan.tasks[0] as LoadModelTask);
  const result = await session.prune(task);
  return { session, task, result };
}

describe('filters: structured pruning to a target', () => {
  it('on LeNet removes whole channels with their biases and every input row that reads them, to the target of parameters', async () => {
    const { session, task } = await pruned(lenetRecipe('{layer_type: conv2d, param: kernel}', '0.3'));
    try {
      expect(task.filters).toEqual({ kernels: ['conv1/kernel', 'conv2/kernel'], measure: 'params', fraction: 0.3, minChannels: 0.25 });
      const masks = masksOf(session.model);
      const conv1 = deadOutputs(masks.get('conv1/kernel')?.mask ?? new Uint8Array(54).fill(1), 6);
      const conv2 = deadOutputs(masks.get('conv2/kernel')!.mask, 16);
      // conv2 channels cost 54 + 1 + 25·120 parameters each; conv1's 9 + 1 + 54: the 30% comes from conv2.
      expect(conv2.length).toBeGreaterThanOrEqual(Math.ceil((0.3 * 60074 - conv1.length * 64) / 3055));
      expect(conv2.length).toBeLessThanOrEqual(12); // the floor: ceil(0.25·16) = 4 stay
      const removedParams = conv1.length * (9 + 1 + 9 * 16) + conv2.length * (9 * (6 - conv1.length) + 1 + 25 * 120);
      expect(removedParams / 60074).toBeGreaterThanOrEqual(0.3);
      const bias = masks.get('conv2/bias')!.mask;
      const fc1 = masks.get('fc1/kernel')!.mask;
      for (const f of conv2) {
        expect(bias[f]).toBe(0);
        for (let row = f; row < 400; row += 16) for (let o = 0; o < 120; o++) expect(fc1[row * 120 + o]).toBe(0);
      }
      expect(fc1.filter((m) => m === 0).length).toBe(conv2.length * 25 * 120);
    } finally {
      await session.dispose();
    }
  });

  it('refuses, at the selector, a kernel whose channels are the output and a parameter that makes no channels', async () => {
    const text = lenetRecipe('{layer_type: conv2d, param: kernel}, {layer: fc3, param: kernel}, {layer: fc1, param: bias}', '0.3');
    expect(await recipeProblems(async () => buildPlan(await loadRecipeText(text, 'f.yaml'), LENET_DESCRIPTION))).toEqual([
      "6:53 filters: the channels of fc3/kernel (group fc3) cannot be removed: they are the model's output",
      '6:82 filters: fc1/bias makes no channel group\'s channels (select conv2d or dense kernels)',
    ]);
  });

  it('refuses a target the floors cannot give, at the target, before any training', async () => {
    const text = lenetRecipe('{layer: conv1, param: kernel}', '0.5', '\n      min_channels: 0.5');
    expect(await recipeProblems(async () => buildPlan(await loadRecipeText(text, 'f.yaml'), LENET_DESCRIPTION))).toEqual([
      '7:15 filters: target 50% of the model\'s 60074 parameters cannot be reached: with every selected group at its floor (min_channels 0.5: conv1 keeps 3 of 6) ' +
        'the removed channels take away 0.77%; lower the target or min_channels, or select more kernels',
    ]);
  });

  it('on a ResNet removes channels across residual adds and batch norm, to 50% of MACs, and they output exactly zero', async () => {
    const recipe = await loadRecipeText(resnetRecipe('{macs: 0.5}'), 'r.yaml');
    if (recipe.model.kind !== 'builtin') throw new Error('the recipe names a builtin model');
    const description = describeBuiltinModel(recipe.model);
    const { session, task } = await pruned(resnetRecipe('{macs: 0.5}'), description);
    try {
      expect(task.filters?.measure).toBe('macs');
      const model = session.model;
      const masks = masksOf(model);
      const groups = channelGroups(description).filter((g) => g.fixed === null);
      const residual = groups.find((g) => g.producers.length > 1)!;
      expect(residual).toBeDefined();
      // The residual group's channels go from every producer, every batch norm's gamma and beta, and every reader.
      const channels = residual.channels;
      const dead = deadOutputs(masks.get(`${residual.root}/kernel`)!.mask, channels);
      for (const member of residual.members.filter((m) => ['kernel', 'gamma', 'beta', 'bias'].includes(m.param))) {
        const mask = masks.get(`${member.layer}/${member.param}`)?.mask;
        expect(mask, `${member.layer}/${member.param}`).toBeDefined();
        if (member.side === 'out' && member.param !== 'kernel') for (const c of dead) expect(mask![c], `${member.layer}/${member.param}[${c}]`).toBe(0);
      }
      // Every group keeps its floor: a quarter of its channels, rounded up.
      for (const g of groups) {
        const mask = masks.get(`${g.root}/kernel`)?.mask;
        const removed = mask === undefined ? 0 : deadOutputs(mask, g.channels).length;
        expect(g.channels - removed, g.root).toBeGreaterThanOrEqual(Math.ceil(0.25 * g.channels));
      }
      // The add's output is exactly zero on the removed channels, whatever the input.
      const add = model.layers.find((l) => l.getClassName() === 'Add' && residual.layers.includes(l.name))!;
      const probe = tf.model({ inputs: model.inputs, outputs: add.output });
      const values = tf.tidy(() => (probe.predict(tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 3)) as tf.Tensor).dataSync());
      const zeros = dead.every((c) => values.filter((_, i) => i % channels === c).every((v) => v === 0));
      expect(dead.length).toBeGreaterThan(0);
      expect(zeros).toBe(true);
    } finally {
      await session.dispose();
    }
  });
});
