/**
 * Cases 1 and 4, prune-run's side: train the seed's LeNet with trainEpochs (no masks) for
 * `epochs` epochs over the training split, then evaluate() on the test split: once for the final
 * accuracy (also the untimed warm-up of evaluation), then `evalPasses` timed passes.
 */
import * as tf from '@tensorflow/tfjs';
import { evaluate } from '../../src/engine/evaluate.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { trainEpochs } from '../../src/engine/train.js';
import type { BenchParams } from '../common.js';
import { measureCompact } from './compact.js';
import { backendSummary, setUp, warmUp } from './tfSetup.js';

export async function runLenet(p: BenchParams): Promise<Record<string, unknown>> {
  const setup = await setUp(p);
  const { data, config } = setup;
  await warmUp(setup, p);

  const tensorsBefore = tf.memory().numTensors;
  const model = buildLenet(p.modelSeed);
  const started = performance.now();
  const epochs = await trainEpochs(model, data, { config, seed: p.shuffleSeed, masks: MaskBinding.none(), workers: setup.workers ?? undefined });
  const trainSeconds = (performance.now() - started) / 1000;
  const images = config.epochs * data.train.count;

  const final = await evaluate(model, data);
  const evalSeconds: number[] = [];
  for (let i = 0; i < p.evalPasses; i++) {
    const t = performance.now();
    await evaluate(model, data);
    evalSeconds.push((performance.now() - t) / 1000);
  }
  const compact = await measureCompact(model, data, p.evalPasses);
  model.dispose();
  await setup.workers?.close();
  const evalTotal = evalSeconds.reduce((a, b) => a + b, 0);

  return {
    backend: backendSummary(setup.backend),
    steps: config.epochs * Math.ceil(data.train.count / config.batchSize),
    images,
    trainSeconds,
    trainImagesPerSecond: images / trainSeconds,
    epochs: epochs.map((e) => ({ loss: e.loss, accuracy: e.accuracy, imagesPerSecond: e.imagesPerSecond })),
    testAccuracy: final.accuracy,
    testLoss: final.loss,
    evalSeconds,
    evalImagesPerSecond: (p.evalPasses * data.test.count) / evalTotal,
    compact,
    tensorsLeaked: tf.memory().numTensors - tensorsBefore,
  };
}
