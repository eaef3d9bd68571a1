/**
 * Case 2, prune-run's side: the seed's LeNet (initial weights) pruned with one global L1 step
 * over its five kernels, then fine-tuned for `epochs` epochs twice, each
 * from the same pruned start: with the masks bound (MaskBinding.fromMaskSet: pruned weights are
 * zeroed after every step) and without (MaskBinding.none()). Both in one process, each twice in
 * the order the driver gives (ABBA, alternated by repeat), after a warm-up of the masked path.
 */
import * as tf from '@tensorflow/tfjs';
import { buildLenet } from '../../src/engine/lenet.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { trainEpochs } from '../../src/engine/train.js';
import { readWeight, weightNamed, writeWeight } from '../../src/engine/weights.js';
import { l1Unstructured, MaskSet, pruneGlobal } from '../../src/prune/index.js';
import { LENET_KERNELS, type BenchParams } from '../common.js';
import { backendSummary, setUp, warmUp } from './tfSetup.js';

/**
 * What applyPruneTask does for one global L1 group, written against the pruning core and the
 * weight helpers directly, so the bench does not depend on the plan's task format.
 */
function pruneGlobalL1(model: tf.LayersModel, amount: number): MaskSet {
  const masks = new MaskSet();
  const states = LENET_KERNELS.map((name) => {
    const variable = weightNamed(model, name);
    return masks.track(name, variable.shape as number[], readWeight(variable));
  });
  pruneGlobal(states, l1Unstructured({ amount }));
  for (const name of LENET_KERNELS) writeWeight(weightNamed(model, name), masks.effective(name));
  return masks;
}

function prunedLenet(p: BenchParams): { model: tf.Sequential; masks: MaskSet } {
  const model = buildLenet(p.modelSeed);
  return { model, masks: pruneGlobalL1(model, p.finetuneAmount) };
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
  await warmUp(setup, p, (model) => MaskBinding.fromMaskSet(model, pruneGlobalL1(model, p.finetuneAmount)));

  const result: Record<string, unknown> = { backend: backendSummary(setup.backend), order: p.finetuneOrder };
  const runs: Record<string, number[]> = { masked: [], unmasked: [] };
  for (const variant of p.finetuneOrder) {
    const { model, masks } = prunedLenet(p);
    const binding = variant === 'masked' ? MaskBinding.fromMaskSet(model, masks) : MaskBinding.none();
    const started = performance.now();
    const epochs = await trainEpochs(model, data, { config, seed: p.shuffleSeed, masks: binding, workers: setup.workers ?? undefined });
    runs[variant]!.push((performance.now() - started) / 1000);
    // Best of this process's runs: noise (another process, a preempted vCPU) only adds time.
    const seconds = Math.min(...runs[variant]!);
    result[variant] = {
      seconds,
      runs: runs[variant],
      imagesPerSecond: (config.epochs * data.train.count) / seconds,
      boundParameters: binding.size,
      sparsity: masks.globalSparsity().sparsity,
      prunedEntriesNonZeroAfter: revived(model, masks),
      finalTrainLoss: epochs.at(-1)?.loss,
    };
    binding.dispose();
    model.dispose();
  }
  await setup.workers?.close();
  return result;
}
