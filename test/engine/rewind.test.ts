/**
 * Lottery-ticket rewinding on the engine: after pruning, every surviving weight goes back to its
 * initial value (or its value after a named epoch of train), pruned entries stay zero, and the
 * masks are kept for the retraining that follows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { EngineSession } from '../../src/engine/session.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { Plan } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';

const recipe = (rewind: string) => `seed: 9
model: {builtin: lenet}
data: {builtin: mnist, train_size: 128, test_size: 32}
train: {epochs: 2, batch_size: 32, learning_rate: 0.01}
report: {evaluate: false}
stages:
  - name: ticket
    global:
      method: l1_unstructured
      amount: 0.6
      select: [{layer_type: dense, param: kernel}]
    rewind: ${rewind}
`;

type Weights = Map<string, Float32Array>;

/** Runs the plan's tasks up to and including the prune; the weights at load, after each epoch, and after the prune. */
async function run(plan: Plan): Promise<{ init: Weights; epochs: Weights[]; pruned: Weights; masks: Map<string, Uint8Array> }> {
  const session = new EngineSession();
  const read = (): Weights => new Map(session.model.weights.map((w) => [w.originalName, readWeight(weightNamed(session.model, w.originalName)).slice()]));
  try {
    let init: Weights = new Map();
    const epochs: Weights[] = [];
    for (const task of plan.tasks) {
      if (task.kind === 'load-model') {
        await session.loadModel(task);
        init = read();
      } else if (task.kind === 'load-data') {
        await session.loadData(task);
      } else if (task.kind === 'train') {
        await session.train(task, { onTrainEvent: (e) => void (e.kind === 'epoch' && epochs.push(read())) });
      } else if (task.kind === 'prune') {
        await session.prune(task);
        const masks = masksOf(session.model);
        return { init, epochs, pruned: read(), masks: new Map(masks.names().map((n) => [n, masks.get(n)!.mask])) };
      }
    }
    throw new Error('the plan has no prune task');
  } finally {
    await session.dispose();
  }
}

function expectRewoundTo(result: Awaited<ReturnType<typeof run>>, target: Weights): void {
  for (const [name, values] of result.pruned) {
    const mask = result.masks.get(name);
    const expected = target.get(name)!.map((v, i) => (mask === undefined || mask[i] === 1 ? v : 0));
    expect(values, name).toEqual(expected);
  }
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('rewinding after pruning', () => {
  it('rewind: init resets every survivor (biases too) to its initial value; pruned entries stay zero', async () => {
    const result = await run(buildPlan(await loadRecipeText(recipe('init'), 'ticket.yaml'), LENET_DESCRIPTION));
    expect([...result.masks.keys()]).toEqual(['fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    expectRewoundTo(result, result.init);
    // The mask was chosen on the trained weights, not the initial ones.
    expect(result.epochs[1]!.get('fc1/kernel')).not.toEqual(result.init.get('fc1/kernel'));
  });

  it('rewind: {epoch: 1} resets to the weights after epoch 1 of train', async () => {
    const result = await run(buildPlan(await loadRecipeText(recipe('{epoch: 1}'), 'ticket.yaml'), LENET_DESCRIPTION));
    expectRewoundTo(result, result.epochs[0]!);
    expect(result.epochs[0]!.get('fc2/kernel')).not.toEqual(result.epochs[1]!.get('fc2/kernel'));
  });
});
