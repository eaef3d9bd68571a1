/**
 * Case 2, prune-run's side: the seed's LeNet (initial weights) pruned with one global L1 step
 * over its five kernels through applyPruneTask, then fine-tuned for `epochs` epochs twice, each
 * from the same pruned start: with the masks bound (MaskBinding.fromMaskSet: pruned weights are
 * zeroed after every step) and without (MaskBinding.none()). Both in one process, in the order
 * the driver alternates, after a warm-up of the masked path.
 */
import * as tf from '@tensorflow/tfjs';
import { buildLenet } from '../../src/engine/lenet.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { applyPruneTask } from '../../src/engine/pruneTask.js';
import { trainEpochs } from '../../src/engine/train.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import type { PruneTask } from '../../src/plan/types.js';
import { MaskSet } from '../../src/prune/index.js';
import { LENET_KERNELS, type BenchParams } from '../common.js';
import { backendSummary, setUp, warmUp } from './tfSetup.js';

function pruneTask(amount: number): PruneTask {
  return {
    kind: 'prune',
    id: 'bench-global-l1',
    dependsOn: [],
    stage: 'bench',
    scope: 'global',
    groups: [{ method: 'l1_unstructured', amount: { amount }, parameters: [...LENET_KERNELS], seed: 0 }],
  };
}

function prunedLenet(p: BenchParams): { model: tf.Sequential; masks: MaskSet } {
  const model = buildLenet(p.modelSeed);
  const masks = new MaskSet();
  applyPruneTask(model, masks, pruneTask(p.finetuneAmount));
  return { model, masks };
}

/** Pruned entries (mask 0) whose weight is not zero after training. */
function revived(model: tf.LayersModel, masks: MaskSet): number {
  let count = 0;
  for (const name of masks.names()) {
    const mask = masks.get(name)!.mask;
    const values = readWeight(weightNamed(model, name));
    for (let i = 0; i < mask.length; i++) if (mask[i] === 0 && values[i] !== 0) count++;
  }
  return count;
}

export async function runFinetune(p: BenchParams): Promise<Record<string, unknown>> {
  const setup = await setUp(p);
  const { data, config } = setup;
  // Warm up the masked path (the unmasked path is a subset of it).
  await warmUp(setup, p, (model) => {
    const masks = new MaskSet();
    applyPruneTask(model, masks, pruneTask(p.finetuneAmount));
    return MaskBinding.fromMaskSet(model, masks);
  });

  const result: Record<string, unknown> = { backend: backendSummary(setup.backend), order: p.finetuneOrder };
  for (const variant of p.finetuneOrder) {
    const { model, masks } = prunedLenet(p);
    const binding = variant === 'masked' ? MaskBinding.fromMaskSet(model, masks) : MaskBinding.none();
    const started = performance.now();
    const epochs = await trainEpochs(model, data, { config, seed: p.shuffleSeed, masks: binding });
    const seconds = (performance.now() - started) / 1000;
    result[variant] = {
      seconds,
      imagesPerSecond: (config.epochs * data.train.count) / seconds,
      boundParameters: binding.size,
      sparsity: masks.globalSparsity().sparsity,
      prunedEntriesNonZeroAfter: revived(model, masks),
      finalTrainLoss: epochs.at(-1)?.loss,
    };
    binding.dispose();
    model.dispose();
  }
  return result;
}
