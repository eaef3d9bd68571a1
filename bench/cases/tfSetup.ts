/** What the TF.js cases share: the backend, the data, the training config, a warm-up. */
import * as tf from '@tensorflow/tfjs';
import { headOf, loadDataset, type Dataset } from '../../src/data/index.js';
import { selectBackend, type BackendInfo } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { GradientWorkers } from '../../src/engine/parallel/gradientWorkers.js';
import { defaultSharding, trainEpochs } from '../../src/engine/train.js';
import type { TrainConfig } from '../../src/recipe/types.js';
import { RandomStreams } from '../../src/util/random.js';
import type { BenchParams } from '../common.js';

export interface Setup {
  readonly backend: BackendInfo;
  readonly data: Dataset;
  readonly config: TrainConfig;
  /**
   * The gradient workers every training call of the case shares (as a run's session does), warmed
   * up by warmUp; null where training runs on one thread. close() them at the end.
   */
  readonly workers: GradientWorkers | null;
}

export async function setUp(p: BenchParams): Promise<Setup> {
  const backend = await selectBackend('auto');
  const data = await loadDataset({ kind: 'builtin', name: 'mnist', trainSize: p.trainSize, testSize: p.testSize }, new RandomStreams(p.dataSeed));
  const config: TrainConfig = { epochs: p.epochs, batchSize: p.batchSize, optimizer: 'adam', learningRate: p.learningRate };
  const sharding = defaultSharding();
  const workers = sharding !== null && sharding.threads > 1 ? await GradientWorkers.start(sharding.threads - 1, sharding.backend) : null;
  return { backend, data, config, workers };
}

/** The first `images` training images as a data set of their own. */
export function head(data: Dataset, images: number): Dataset {
  const pixels = data.imageShape[0] * data.imageShape[1] * data.imageShape[2];
  return { ...data, train: headOf(data.train, images, pixels) };
}

/**
 * Untimed: `p.warmupSteps` optimizer steps on a throwaway LeNet, so that first-call costs (kernel
 * set-up, wasm memory growth) do not land in the timed run. `masks` lets case 2 warm up the
 * masked path too.
 */
export async function warmUp(
  { data, config, workers }: Setup,
  p: BenchParams,
  masksFor: (model: tf.Sequential) => MaskBinding = () => MaskBinding.none(),
): Promise<void> {
  if (p.warmupSteps <= 0) return;
  const model = buildLenet(p.modelSeed + 1000);
  const masks = masksFor(model);
  try {
    await trainEpochs(model, head(data, p.warmupSteps * p.batchSize), {
      config: { ...config, epochs: 1 },
      seed: p.shuffleSeed + 1000,
      masks,
      workers: workers ?? undefined,
    });
  } finally {
    masks.dispose();
    model.dispose();
  }
}

export function backendSummary(b: BackendInfo): Record<string, unknown> {
  return {
    name: b.name,
    tfjsVersion: b.tfjsVersion,
    backendPackage: b.backendPackage,
    backendVersion: b.backendVersion,
    simd: b.simd,
    notes: b.notes,
  };
}
