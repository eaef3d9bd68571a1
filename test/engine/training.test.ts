import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { applyPruneTask } from '../../src/engine/pruneTask.js';
import { trainEpochs } from '../../src/engine/train.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { allParameters } from '../../src/models/description.js';
import type { PruneGroup, PruneTask } from '../../src/plan/types.js';
import { masksOf } from '../../src/api/index.js';
import type { TrainConfig } from '../../src/recipe/types.js';

const data = syntheticDataset({ trainCount: 256, testCount: 128, seed: 7 });

function globalTask(amount: number, parameters: string[]): PruneTask {
  return {
    id: 'prune:test',
    kind: 'prune',
    stage: 'test',
    dependsOn: [],
    scope: 'global',
    groups: [l1Group(amount, parameters, 1)],
    remove: [],
    filters: null,
    rewind: null,
    cycle: { index: 1, of: 1 },
  };
}

/** An l1_unstructured group as the planner makes it (no structured options, weights as scores). */
function l1Group(amount: number, parameters: string[], seed: number): PruneGroup {
  return {
    method: { method: 'l1_unstructured', amount: { amount } },
    importance: { kind: 'weights' },
    parameters,
    planned: Object.fromEntries(parameters.map((name) => [name, { layout: null, axis: null, composes: false }])),
    seed,
  };
}

const KERNELS = ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel'];

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('LeNet', () => {
  it('has exactly the parameters its static description lists, in TF.js layout', () => {
    const model = buildLenet(1);
    const built = model.weights.map((w) => ({ name: w.originalName, shape: w.shape }));
    expect(built).toEqual(allParameters(LENET_DESCRIPTION).map((p) => ({ name: p.name, shape: p.shape })));
    expect(model.outputs[0]?.shape).toEqual([null, 10]);
    model.dispose();
  });

  it('builds identical weights from the same seed and different ones from another', () => {
    const [a, b, c] = [buildLenet(5), buildLenet(5), buildLenet(6)];
    const first = (m: tf.LayersModel) => readWeight(weightNamed(m, 'fc1/kernel'));
    expect(first(a)).toEqual(first(b));
    expect(first(a)).not.toEqual(first(c));
    // torch's default init bound for a Linear(400, 120): 1/sqrt(400).
    expect(Math.max(...first(a).map(Math.abs))).toBeLessThanOrEqual(1 / 20);
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe('masked training', () => {
  const adam: TrainConfig = { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.01 };

  it('keeps pruned weights exactly +0 after every optimizer step, with Adam and SGD, on both training loops', async () => {
    const loops = [undefined, null]; // the wasm default (sharded, flat optimizer) and TF.js's optimizers (tfjs-node, cpu)
    for (const [config, sharding] of loops.flatMap((l) => [adam, { ...adam, optimizer: 'sgd' as const, learningRate: 0.1 }].map((c) => [c, l] as const))) {
      const model = buildLenet(3);
      await applyPruneTask(model, globalTask(0.5, KERNELS));
      const masks = masksOf(model);
      const binding = MaskBinding.fromMaskSet(model, masks);
      let steps = 0;
      const before = readWeight(weightNamed(model, 'fc1/kernel'));
      await trainEpochs(model, data, {
        config,
        seed: 1,
        masks: binding,
        sharding,
        onEvent: (event) => {
          if (event.kind !== 'batch') return;
          steps++;
          for (const name of KERNELS) {
            const values = readWeight(weightNamed(model, name));
            const mask = masks.get(name)!.mask;
            // +0, not −0: the same bits whichever loop trained (sparse files and reruns compare bits).
            for (let i = 0; i < mask.length; i++) if (mask[i] === 0 && !Object.is(values[i], 0)) throw new Error(`${name}[${i}] is ${values[i]}`);
          }
        },
      });
      binding.dispose();
      expect(steps).toBe(16);
      // Kept weights did train.
      const after = readWeight(weightNamed(model, 'fc1/kernel'));
      const mask = masks.get('fc1/kernel')!.mask;
      const moved = after.filter((v, i) => mask[i] === 1 && v !== before[i]).length;
      expect(moved).toBeGreaterThan(0);
      model.dispose();
    }
  });

  it('learns: accuracy on the synthetic test split rises well above chance', async () => {
    const model = buildLenet(4);
    const untrained = await evaluate(model, data);
    await trainEpochs(model, data, { config: { ...adam, epochs: 3 }, seed: 2, masks: MaskBinding.none() });
    const trained = await evaluate(model, data);
    expect(trained.accuracy).toBeGreaterThan(0.6);
    expect(trained.accuracy).toBeGreaterThan(untrained.accuracy);
    model.dispose();
  });

  it('does not grow tf.memory().numTensors over a training epoch', async () => {
    const model = buildLenet(5);
    await applyPruneTask(model, globalTask(0.3, KERNELS));
    const masks = masksOf(model);
    const binding = MaskBinding.fromMaskSet(model, masks);
    const config = { ...adam, epochs: 1 };
    // The first epoch creates the optimizer's slots; those are disposed with it. Measure around a whole call.
    await trainEpochs(model, data, { config, seed: 1, masks: binding });
    const before = tf.memory().numTensors;
    await trainEpochs(model, data, { config, seed: 2, masks: binding });
    await evaluate(model, data);
    expect(tf.memory().numTensors).toBe(before);
    binding.dispose();
    model.dispose();
  });
});

describe('global vs local pruning amounts', () => {
  it('global: exactly round(0.2·N) zeros over all kernels together; local: round(0.2·n) per kernel', async () => {
    const model = buildLenet(9);
    const sizes = KERNELS.map((name) => masksSize(model, name));
    const total = sizes.reduce((a, b) => a + b, 0);

    await applyPruneTask(model, globalTask(0.2, KERNELS));
    const global = masksOf(model);
    expect(global.globalSparsity(KERNELS).zeros).toBe(Math.round(0.2 * total));
    // One threshold: per-layer shares differ from 20%.
    const shares = KERNELS.map((name) => global.sparsity(name).sparsity);
    expect(new Set(shares.map((s) => s.toFixed(3))).size).toBeGreaterThan(1);
    model.dispose();

    const fresh = buildLenet(9);
    await applyPruneTask(fresh, {
      ...globalTask(0.2, KERNELS),
      scope: 'local',
      groups: [
        l1Group(0.2, ['conv1/kernel', 'conv2/kernel'], 1),
        l1Group(0.4, ['fc1/kernel', 'fc2/kernel', 'fc3/kernel'], 2),
      ],
    });
    // conv1 54 → 10.8 → 11; conv2 864 → 172.8 → 173; fc1 48000 → 19200; fc2 10080 → 4032; fc3 840 → 336.
    const local = masksOf(fresh);
    expect(KERNELS.map((name) => local.sparsity(name).zeros)).toEqual([11, 173, 19200, 4032, 336]);
    // The model's weights are original × mask.
    const values = readWeight(weightNamed(fresh, 'conv2/kernel'));
    expect(values.filter((v) => v === 0).length).toBe(173);
    fresh.dispose();
  });
});

function masksSize(model: tf.LayersModel, name: string): number {
  return weightNamed(model, name).read().size;
}
