#!/usr/bin/env node
/**
 * Training speed of the direct pass against autodiff (tf.variableGrads) on the same model, data
 * and threads, in alternating runs (the machine may be shared: compare the ratio of neighbouring
 * runs, not absolute numbers across days). Each run trains a fresh model one epoch over synthetic
 * 28×28 images on the wasm backend with the default sharding (two shards, one thread per core up
 * to two, or --threads), on one pool of worker threads started once; it prints images/s per run and the
 * direct/autodiff ratio of each round.
 *
 *   npm run build && node scripts/direct-pass-speed.mjs [resnet|mobilenet|lenet ...] [--images N] [--batch N] [--rounds N] [--threads N]
 */
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../dist/data/index.js';
import { selectBackend } from '../dist/engine/backend/select.js';
import { MaskBinding } from '../dist/engine/maskBinding.js';
import { GradientWorkers } from '../dist/engine/parallel/gradientWorkers.js';
import { defaultSharding, trainEpochs } from '../dist/engine/train.js';
import { hasOption, positiveOption, SPEED_MODELS, wantedModels } from './lib/speedArgs.mjs';

const images = positiveOption('images', 2048);
const batchSize = positiveOption('batch', 128);
const rounds = positiveOption('rounds', 3);
const threads = hasOption('threads') ? positiveOption('threads', 2) : undefined;
const wanted = wantedModels(Object.keys(SPEED_MODELS), ['resnet', 'mobilenet']);

await selectBackend('wasm');
const data = syntheticDataset({ trainCount: images, testCount: 1, seed: 1 });
const sharding = defaultSharding(threads);
const workers = sharding.threads > 1 ? await GradientWorkers.start(sharding.threads - 1, 'wasm') : undefined;
const config = { epochs: 1, batchSize, optimizer: 'adam', learningRate: 0.001 };

async function imagesPerSecond(make, autodiffOnly) {
  const model = make(1);
  const started = performance.now();
  await trainEpochs(model, data, { config, seed: 1, masks: MaskBinding.none(), sharding: { ...sharding, autodiffOnly }, workers });
  const seconds = (performance.now() - started) / 1000;
  model.dispose();
  return images / seconds;
}

try {
  console.log(`${images} images, batch ${batchSize}, ${sharding.shards} shards on ${sharding.threads} thread(s)`);
  for (const name of wanted) {
    const make = SPEED_MODELS[name];
    await imagesPerSecond(make, false); // warm-up: kernels compiled, workers' model built
    for (let round = 1; round <= rounds; round++) {
      const autodiff = await imagesPerSecond(make, true);
      const direct = await imagesPerSecond(make, false);
      console.log(`${name} round ${round}: autodiff ${autodiff.toFixed(0)} img/s, direct ${direct.toFixed(0)} img/s, ratio ${(direct / autodiff).toFixed(2)}×`);
    }
  }
} finally {
  await workers?.close();
  tf.disposeVariables();
}
