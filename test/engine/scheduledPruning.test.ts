/**
 * Scheduled pruning while training, on the engine: each mask update reaches exactly the
 * schedule's sparsity (round(s · n) pruned, as torch rounds), pruned weights stay +0 at every step
 * in between, a mask never revives an entry, and both training loops (the wasm sharded one and
 * TF.js's own) agree on what was pruned when.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { EngineSession } from '../../src/engine/session.js';
import type { MaskUpdateResult } from '../../src/engine/scheduledPruning.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { LoadDataTask, LoadModelTask, Plan, TrainTask } from '../../src/plan/types.js';
import { pythonRound } from '../../src/prune/index.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { sparsityAt, toSteps } from '../../src/schedules/index.js';

const DENSE = ['fc1/kernel', 'fc2/kernel', 'fc3/kernel'];
const DENSE_SIZE = 48000 + 10080 + 840;

const recipe = (step: string) => `seed: 5
model: {builtin: lenet}
data: {builtin: mnist, train_size: 256, test_size: 64}
report: {evaluate: false}
stages:
  - name: s
${step}
    finetune: {epochs: 3, batch_size: 32, learning_rate: 0.005}
`;

const GLOBAL = `    global:
      method: l1_unstructured
      select: [{layer_type: dense, param: kernel}]
      schedule: {kind: gradual, initial: 0.1, final: 0.85, start: 0, end: 2, every: 3}`;

async function planOf(text: string): Promise<Plan> {
  return buildPlan(await loadRecipeText(text, 'scheduled.yaml'), LENET_DESCRIPTION);
}

interface Observed {
  readonly updates: MaskUpdateResult[];
  /** Pruned entries of each dense kernel after each update, to check that none comes back. */
  readonly pruned: Map<string, Set<number>>[];
  readonly masks: Map<string, Uint8Array>;
}

async function train(plan: Plan, sharding: null | undefined): Promise<Observed> {
  const session = new EngineSession(sharding === null ? { sharding: null } : {});
  try {
    await session.loadModel(plan.tasks.find((t): t is LoadModelTask => t.kind === 'load-model')!);
    await session.loadData(plan.tasks.find((t): t is LoadDataTask => t.kind === 'load-data')!);
    const task = plan.tasks.find((t): t is TrainTask => t.kind === 'train')!;
    const updates: MaskUpdateResult[] = [];
    const pruned: Map<string, Set<number>>[] = [];
    await session.train(task, {
      onMaskUpdate: (update) => {
        updates.push(update);
        const masks = masksOf(session.model);
        pruned.push(new Map(DENSE.map((name) => [name, new Set([...(masks.get(name)?.mask ?? [])].flatMap((m, i) => (m === 0 ? [i] : [])))])));
      },
      onTrainEvent: (event) => {
        if (event.kind !== 'batch') return;
        const masks = masksOf(session.model);
        for (const name of masks.names()) {
          const values = readWeight(weightNamed(session.model, name));
          const mask = masks.get(name)!.mask;
          for (let i = 0; i < mask.length; i++) if (mask[i] === 0 && !Object.is(values[i], 0)) throw new Error(`${name}[${i}] = ${values[i]} after a step`);
        }
      },
    });
    const masks = masksOf(session.model);
    return { updates, pruned, masks: new Map(masks.names().map((n) => [n, Uint8Array.from(masks.get(n)!.mask)])) };
  } finally {
    await session.dispose();
  }
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('a gradual global schedule while training', () => {
  it('hits round(s_t · n) at every update, keeps pruned weights +0 between them and never revives one', async () => {
    const plan = await planOf(recipe(GLOBAL));
    const task = plan.tasks.find((t): t is TrainTask => t.kind === 'train')!;
    const steps = toSteps(task.scheduled[0]!.schedule, 8);
    const observed = await train(plan, undefined);
    expect(observed.updates.map((u) => u.step)).toEqual([0, 3, 6, 9, 12, 15, 16]);
    for (const update of observed.updates) {
      const formula = 0.85 + (0.1 - 0.85) * (1 - Math.min(1, update.step / 16)) ** 3;
      expect(update.target).toBeCloseTo(formula, 12);
      expect(update.target).toBe(sparsityAt(steps, update.step));
      expect(update.sparsity).toBe(pythonRound(formula * DENSE_SIZE) / DENSE_SIZE);
      expect(update.epoch).toBe(Math.floor(update.step / 8) + 1);
    }
    for (let i = 1; i < observed.pruned.length; i++) {
      for (const name of DENSE) for (const index of observed.pruned[i - 1]!.get(name)!) expect(observed.pruned[i]!.get(name)!.has(index)).toBe(true);
    }
    const zeros = DENSE.reduce((sum, name) => sum + observed.masks.get(name)!.filter((m) => m === 0).length, 0);
    expect(zeros).toBe(pythonRound(0.85 * DENSE_SIZE));
  });

  it('prunes the same counts on TF.js own training loop', async () => {
    const observed = await train(await planOf(recipe(GLOBAL)), null);
    expect(observed.updates.map((u) => pythonRound(u.sparsity * DENSE_SIZE))).toEqual(
      [0, 3, 6, 9, 12, 15, 16].map((t) => pythonRound((0.85 + (0.1 - 0.85) * (1 - Math.min(1, t / 16)) ** 3) * DENSE_SIZE)),
    );
  });
});

describe('a local structured schedule', () => {
  it('counts channels: each update leaves round(s · 16) of conv2 filters pruned', async () => {
    const plan = await planOf(
      recipe(`    targets:
      - select: {layer: conv2, param: kernel}
        method: ln_structured
        n: 2
        axis: out
        schedule: {kind: linear, initial: 0, final: 0.5, start: 4, end: 20, unit: steps, every: 4}`),
    );
    const observed = await train(plan, undefined);
    const channelsPruned = (mask: Uint8Array) => {
      let dead = 0;
      for (let c = 0; c < 16; c++) {
        let alive = false;
        for (let i = c; i < mask.length; i += 16) if (mask[i] === 1) alive = true;
        if (!alive) dead++;
      }
      return dead;
    };
    expect(observed.updates.map((u) => [u.step, u.target])).toEqual([[4, 0], [8, 0.125], [12, 0.25], [16, 0.375], [20, 0.5]]);
    expect(observed.updates.map((u) => u.newlyPruned / 54)).toEqual([0, 2, 2, 2, 2]);
    expect(channelsPruned(observed.masks.get('conv2/kernel')!)).toBe(8);
  });
});
