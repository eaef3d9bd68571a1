#!/usr/bin/env node
/**
 * How good a run's batch-norm statistics are: loads the run's saved model (model/), evaluates it
 * on the test split as it was saved, then re-estimates every BatchNormalization layer's moving mean
 * and variance from training images with the weights unchanged (each layer in model order, from
 * its input over all the images, after the layers before it were re-estimated: the statistics a
 * perfect running average would hold) and evaluates again. If training kept its statistics well,
 * the two accuracies agree; the bar is half a point.
 *
 *   npm run build && node scripts/bn-reestimate.mjs runs/<id> [--images 10000]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../dist/data/index.js';
import { RandomStreams } from '../dist/util/random.js';
import { selectBackend } from '../dist/engine/backend/select.js';
import { makeBatch } from '../dist/engine/batches.js';
import { evaluate } from '../dist/engine/evaluate.js';
import { loadModel } from '../dist/engine/modelFiles.js';

const BATCH = 250;

function usage(message) {
  console.error(`${message}\nusage: node scripts/bn-reestimate.mjs runs/<id> [--images N]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const runDir = args.find((a) => !a.startsWith('--'));
if (runDir === undefined) usage('name a run folder');
const imagesAt = args.indexOf('--images');
const wanted = imagesAt < 0 ? 10000 : Number(args[imagesAt + 1]);
if (!Number.isInteger(wanted) || wanted <= 0) usage('--images takes a positive whole number');

const plan = JSON.parse(readFileSync(path.join(runDir, 'plan.json'), 'utf8'));
const loadData = plan.tasks.find((t) => t.kind === 'load-data');
if (loadData === undefined) usage(`${runDir} has no data to re-estimate from`);

await selectBackend('auto');
const data = await loadDataset(loadData.data, new RandomStreams(loadData.seed));
const model = await loadModel({ path: path.join(runDir, 'model', 'model.json') });
const images = Math.min(wanted, data.train.count);
const norms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
if (norms.length === 0) usage(`${runDir}'s model has no BatchNormalization layer`);

const saved = await evaluate(model, data);
for (const norm of norms) {
  // The layer's input over `images` training images: per-channel sum and sum of squares (float64).
  const probe = tf.model({ inputs: model.inputs, outputs: norm.input });
  const channels = norm.input.shape.at(-1);
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  let count = 0;
  for (let start = 0; start < images; start += BATCH) {
    const values = tf.tidy(() => {
      const batch = makeBatch(data.train, data.imageShape, null, start, Math.min(BATCH, images - start));
      return probe.predict(batch.images).dataSync();
    });
    for (let i = 0; i < values.length; i++) {
      const c = i % channels;
      sum[c] += values[i];
      squares[c] += values[i] * values[i];
    }
    count += values.length / channels;
  }
  const mean = Float32Array.from(sum, (s) => s / count);
  const variance = Float32Array.from(squares, (q, c) => Math.max(0, q / count - (sum[c] / count) ** 2));
  const weights = norm.getWeights();
  const names = norm.weights.map((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1));
  norm.setWeights(weights.map((w, i) => (names[i] === 'moving_mean' ? tf.tensor(mean, w.shape) : names[i] === 'moving_variance' ? tf.tensor(variance, w.shape) : w)));
}
const reestimated = await evaluate(model, data);
const points = (reestimated.accuracy - saved.accuracy) * 100;
console.log(
  JSON.stringify(
    {
      run: path.basename(path.resolve(runDir)),
      batchNormLayers: norms.length,
      reestimatedFrom: images,
      testImages: data.test.count,
      accuracySaved: saved.accuracy,
      accuracyReestimated: reestimated.accuracy,
      differencePoints: Number(points.toFixed(2)),
      withinHalfAPoint: Math.abs(points) <= 0.5,
    },
    null,
    2,
  ),
);
model.dispose();
