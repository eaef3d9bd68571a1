#!/usr/bin/env node
/**
 * Where one training step's time goes, phase by phase, for builtin ResNet-8, MobileNet or LeNet on
 * the wasm backend, as `trainEpochs` runs it: the batch in two shards (the main thread's and a
 * worker thread's, or both on the main thread with --threads 1), then the flat Adam step and the
 * weights written back into the model. The main thread's phases come from the direct pass's own
 * timers (src/engine/direct/phases.ts); what the step takes beyond them on the main thread is
 * waiting for the worker's shard and handing the batch over. Prints a markdown table per model:
 * ms per step (medians over steps would hide the phases' sum, so these are means over the timed
 * steps) and share of the step. Synthetic 28×28 images: the data does not change the arithmetic.
 *
 *   npm run build && node scripts/step-profile.mjs [resnet|mobilenet|lenet ...] [--batch N] [--steps N] [--warmup N] [--threads 1|2]
 */
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../dist/data/index.js';
import { selectBackend } from '../dist/engine/backend/select.js';
import { recordPhases } from '../dist/engine/direct/phases.js';
import { createFlatOptimizer } from '../dist/engine/optimizer.js';
import { GradientWorkers } from '../dist/engine/parallel/gradientWorkers.js';
import { ShardedGradients } from '../dist/engine/parallel/shardedGradients.js';
import { ParameterVector } from '../dist/engine/parameterVector.js';
import { defaultSharding } from '../dist/engine/train.js';
import { positiveOption, SPEED_MODELS, wantedModels } from './lib/speedArgs.mjs';

const batchSize = positiveOption('batch', 128);
const steps = positiveOption('steps', 20);
const warmup = positiveOption('warmup', 30);
const threads = positiveOption('threads', 2);
const wanted = wantedModels(Object.keys(SPEED_MODELS), ['resnet', 'mobilenet']);

await selectBackend('wasm');
const data = syntheticDataset({ trainCount: batchSize * (steps + warmup), testCount: 1, seed: 1 });
const sharding = { ...defaultSharding(threads), autodiffOnly: false };
const workers = sharding.threads > 1 ? await GradientWorkers.start(sharding.threads - 1, 'wasm') : undefined;
const config = { epochs: 1, batchSize, optimizer: 'adam', learningRate: 0.001 };

async function profile(name) {
  const model = SPEED_MODELS[name](1);
  const vector = ParameterVector.of(model);
  const optimizer = createFlatOptimizer(config, vector.size);
  const gradients = await ShardedGradients.start(model, vector, data, batchSize, sharding, workers);
  const order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
  const totals = new Map();
  const add = (phase, ms) => totals.set(phase, (totals.get(phase) ?? 0) + ms);
  let wall = 0;
  try {
    for (let s = 0; s < warmup + steps; s++) {
      const timed = s >= warmup;
      const phases = new Map();
      if (timed) recordPhases((phase, ms) => phases.set(phase, (phases.get(phase) ?? 0) + ms));
      const t0 = performance.now();
      await gradients.step(order, s * batchSize, batchSize);
      const t1 = performance.now();
      optimizer.step(gradients.weights, gradients.gradients, null);
      const t2 = performance.now();
      vector.write(gradients.weights);
      const t3 = performance.now();
      recordPhases(null);
      if (!timed) continue;
      let inPass = 0;
      for (const [phase, ms] of phases) {
        add(phase, ms);
        inPass += ms;
      }
      add(sharding.threads > 1 ? 'waiting for the worker, batch handoff, batch-norm statistics' : 'batch handoff, batch-norm statistics', t1 - t0 - inPass);
      add('Adam update (flat optimizer)', t2 - t1);
      add('weights into the model', t3 - t2);
      wall += t3 - t0;
    }
  } finally {
    await gradients.close();
    model.dispose();
  }
  const perStep = wall / steps;
  const rows = [...totals].map(([phase, ms]) => [phase, ms / steps]).sort((a, b) => b[1] - a[1]);
  const shard = sharding.threads > 1 ? `the main thread's shard of ${Math.ceil(batchSize / sharding.shards)} images, the worker's in parallel` : `both shards of ${batchSize / sharding.shards} on the main thread`;
  console.log(`\n${name}: batch ${batchSize}, ${sharding.shards} shards on ${sharding.threads} thread(s) (${shard}); ${steps} steps after ${warmup} untimed`);
  console.log(`step ${perStep.toFixed(1)} ms, ${((batchSize / perStep) * 1000).toFixed(0)} img/s\n`);
  console.log('| phase | ms per step | % |');
  console.log('|---|---:|---:|');
  for (const [phase, ms] of rows) console.log(`| ${phase} | ${ms.toFixed(2)} | ${((100 * ms) / perStep).toFixed(1)} |`);
}

try {
  for (const name of wanted) await profile(name);
} finally {
  await workers?.close();
  tf.disposeVariables();
}
