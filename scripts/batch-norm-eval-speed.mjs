#!/usr/bin/env node
/**
 * Evaluation speed (model.predict in batches, as evaluate.ts runs it) of the built-in ResNet-8 and
 * MobileNet with the wasm backend's own FusedBatchNorm kernel and with prune-run's fast path
 * (src/engine/backend/wasmKernels/fusedBatchNorm.ts), in alternating runs in one process (the
 * machine may be shared: compare neighbouring runs). Prints images/s per run and the ratio of each
 * round, and checks that both kernels give the same accuracy.
 *
 *   npm run build && node scripts/batch-norm-eval-speed.mjs [resnet|mobilenet ...] [--images N] [--rounds N]
 */
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../dist/data/index.js';
import { selectBackend } from '../dist/engine/backend/select.js';
import { originalKernel } from '../dist/engine/backend/wasmKernels/override.js';
import { evaluate } from '../dist/engine/evaluate.js';
import { positiveOption, SPEED_MODELS, wantedModels } from './lib/speedArgs.mjs';

const images = positiveOption('images', 4000);
const rounds = positiveOption('rounds', 3);
const wanted = wantedModels(['resnet', 'mobilenet'], ['resnet', 'mobilenet']);

await selectBackend('wasm');
const fast = tf.getKernel(tf.FusedBatchNorm, 'wasm');
const backendOwn = { kernelName: tf.FusedBatchNorm, backendName: 'wasm', kernelFunc: originalKernel(tf.FusedBatchNorm) };
if (backendOwn.kernelFunc === undefined) {
  console.error('the FusedBatchNorm fast path is not installed');
  process.exit(1);
}
function use(config) {
  tf.unregisterKernel(tf.FusedBatchNorm, 'wasm');
  tf.registerKernel(config);
}

const data = syntheticDataset({ trainCount: 1, testCount: images, seed: 1 });
for (const name of wanted) {
  const model = SPEED_MODELS[name](1);
  // Moving statistics away from 0 and 1, as a trained model's are.
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    tf.tidy(() => {
      const [gamma, beta, mean, variance] = layer.getWeights();
      layer.setWeights([gamma, beta, tf.fill(mean.shape, 0.1), tf.fill(variance.shape, 2)]);
    });
  }
  for (const config of [backendOwn, fast]) {
    use(config);
    await evaluate(model, data); // warm-up
  }
  for (let round = 1; round <= rounds; round++) {
    const speeds = {};
    const accuracies = {};
    for (const [label, config] of [['backend', backendOwn], ['fast', fast]]) {
      use(config);
      const result = await evaluate(model, data);
      speeds[label] = result.imagesPerSecond;
      accuracies[label] = result.accuracy;
    }
    if (accuracies.backend !== accuracies.fast) console.error(`accuracies differ: ${accuracies.backend} vs ${accuracies.fast}`);
    console.log(`${name} round ${round}: backend kernel ${Math.round(speeds.backend)} img/s, fast path ${Math.round(speeds.fast)} img/s, ${(speeds.fast / speeds.backend).toFixed(2)}×`);
  }
  use(fast);
  model.dispose();
}
