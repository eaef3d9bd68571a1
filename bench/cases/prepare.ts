/**
 * Writes the files both sides read (see FILES): the data split prune-run trains on, the order
 * trainEpochs will visit it in, the initial LeNet weights and their logits on a few test images
 * (so the PyTorch side can start from the same weights and check it ported them right), and the
 * case-3 weights.
 */
import * as tf from '@tensorflow/tfjs';
import { imageValues, loadDataset } from '../../src/data/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { RandomStreams, SeededRandom } from '../../src/util/random.js';
import { FILES, LENET_WEIGHTS, PORT_CHECK_IMAGES, writeArray, type BenchParams } from '../common.js';

export async function prepareLenetFiles(p: BenchParams): Promise<void> {
  await selectBackend('auto');
  const data = await loadDataset({ kind: 'builtin', name: 'mnist', trainSize: p.trainSize, testSize: p.testSize }, new RandomStreams(p.dataSeed));
  writeArray(p.dir, FILES.trainImages, imageValues(data.train));
  writeArray(p.dir, FILES.trainLabels, data.train.labels);
  writeArray(p.dir, FILES.testImages, imageValues(data.test));
  writeArray(p.dir, FILES.testLabels, data.test.labels);

  // trainEpochs shuffles with new SeededRandom(seed).permutation(count), once per epoch; the
  // PyTorch side visits the batches in the same order. (If the engine changes how it shuffles,
  // only the order differs: the data and the number of steps stay the same.)
  const random = new SeededRandom(p.shuffleSeed);
  const orders = new Uint32Array(p.epochs * p.trainSize);
  for (let e = 0; e < p.epochs; e++) orders.set(random.permutation(p.trainSize), e * p.trainSize);
  writeArray(p.dir, FILES.orders, orders);

  const model = buildLenet(p.modelSeed);
  const parts = LENET_WEIGHTS.map(({ name, shape }) => {
    const variable = weightNamed(model, name);
    const actual = variable.shape.join('x');
    if (actual !== shape.join('x')) throw new Error(`LeNet weight ${name} is ${actual}, the bench expects ${shape.join('x')}`);
    return readWeight(variable);
  });
  const init = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of parts) {
    init.set(a, offset);
    offset += a.length;
  }
  writeArray(p.dir, FILES.lenetInit, init);
  const logits = tf.tidy(() => {
    const x = tf.tensor4d(imageValues(data.test).subarray(0, PORT_CHECK_IMAGES * 784), [PORT_CHECK_IMAGES, 28, 28, 1]);
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
  writeArray(p.dir, FILES.lenetInitLogits, logits);
  model.dispose();
}

/**
 * The case-3 weights: uniform in ±1/√fan_in (torch's nn.Linear default scale), from a seeded
 * generator, written once and read by both sides (same flat order, so ties at the threshold are
 * comparable). Kept by the caller for the mask cross-check.
 */
export function prepareBigWeights(p: BenchParams, seed: number): Float32Array {
  const n = p.bigCount * p.bigSide * p.bigSide;
  const weights = new Float32Array(n);
  const random = new SeededRandom(seed);
  const bound = 1 / Math.sqrt(p.bigSide);
  for (let i = 0; i < n; i++) weights[i] = (2 * random.nextFloat() - 1) * bound;
  writeArray(p.dir, FILES.bigWeights, weights);
  return weights;
}
