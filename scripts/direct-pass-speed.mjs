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
import { buildArchitecture } from '../dist/engine/builtinModels.js';
import { buildLenet } from '../dist/engine/lenet.js';
import { MaskBinding } from '../dist/engine/maskBinding.js';
import { GradientWorkers } from '../dist/engine/parallel/gradientWorkers.js';
import { defaultSharding, trainEpochs } from '../dist/engine/train.js';
import { mobilenetArchitecture } from '../dist/models/mobilenet.js';
import { resnetArchitecture } from '../dist/models/resnet.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} takes a positive whole number`);
    process.exit(2);
  }
  return value;
};
const images = option('images', 2048);
const batchSize = option('batch', 128);
const rounds = option('rounds', 3);
const threads = args.includes('--threads') ? option('threads', 2) : undefined;
const shape = { inputShape: [28, 28, 1], classes: 10 };
const MODELS = {
  resnet: (seed) => buildArchitecture(resnetArchitecture({ ...shape, depth: 8, width: 1 }), seed),
  mobilenet: (seed) => buildArchitecture(mobilenetArchitecture({ ...shape, width: 1 }), seed),
  lenet: (seed) => buildLenet(seed),
};
const wanted = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
for (const name of wanted) {
  if (!(name in MODELS)) {
    console.error(`unknown model ${name}; known: ${Object.keys(MODELS).join(', ')}`);
    process.exit(2);
  }
}

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
  for (const name of wanted.length === 0 ? ['resnet', 'mobilenet'] : wanted) {
    const make = MODELS[name];
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
