/**
 * Case 5: the models people prune, beyond LeNet, on Fashion-MNIST. Three models:
 * - vgg: a VGG-style Sequential (conv 3×3 32-32, pool, 64-64, pool, dense 256, dropout, dense 10),
 *   the kind of model that takes the direct training pass;
 * - resnet: the built-in ResNet-8 (batch norm, residual adds, a strided 1×1 projection);
 * - mobilenet: the built-in MobileNet (depthwise-separable blocks, ReLU6).
 * Each is described as a layer list (plain data) that the torch side builds its twin from, so the
 * two sides run the same architecture from the same initial weights, data and batch order.
 * A child trains the model for `modelEpochs`, prunes half of its kernels' weights with one global
 * L1 step, and fine-tunes it masked, timing both, with the test accuracy after each. Then (no torch
 * counterpart) structured pruning's payoff: the fine-tuned model loses channel groups to 50% of its
 * MACs (prune.channelGroupsToTarget) and its compact form is timed against it on the test split.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { prune } from '../../src/api/index.js';
import { describeLayersModel } from '../../src/api/describe.js';
import { headOf, imageValues, loadDataset, type Dataset, type Split } from '../../src/data/index.js';
import { compactModel } from '../../src/export/compact/index.js';
import { foldForInference } from '../../src/export/compact/foldLayers.js';
import { modelMacs } from '../../src/models/macs.js';
import { locateFashionMnist } from '../../src/data/locate.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildArchitecture } from '../../src/engine/builtinModels.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { GradientWorkers } from '../../src/engine/parallel/gradientWorkers.js';
import { defaultSharding, trainEpochs } from '../../src/engine/train.js';
import { readWeight, weightNamed, writeWeight } from '../../src/engine/weights.js';
import type { Architecture, ArchitectureLayer } from '../../src/models/architecture.js';
import { mobilenetArchitecture } from '../../src/models/mobilenet.js';
import { resnetArchitecture } from '../../src/models/resnet.js';
import { l1Unstructured, MaskSet, pruneGlobal } from '../../src/prune/index.js';
import type { TrainConfig } from '../../src/recipe/types.js';
import { RandomStreams, SeededRandom } from '../../src/util/random.js';
import { MB, PeakMeter, PORT_CHECK_IMAGES, readF32, writeArray, type BenchModel, type BenchParams } from '../common.js';
import { timeAlternating } from './compact.js';
import { backendSummary } from './tfSetup.js';

const INPUT: [number, number, number] = [28, 28, 1];
const CLASSES = 10;

/** A layer as the torch twin reads it (bench/torch_twin.py): the architecture's, with every setting spelled out. */
type TwinLayer = Record<string, unknown> & { kind: string; name: string };

function architectureOf(model: Exclude<BenchModel, 'vgg'>): Architecture {
  return model === 'resnet'
    ? resnetArchitecture({ depth: 8, width: 1, inputShape: INPUT, classes: CLASSES })
    : mobilenetArchitecture({ width: 1, inputShape: INPUT, classes: CLASSES });
}

/** The built-ins' settings as engine/builtinModels.ts makes them ('same' convs without bias, torch's batch norm). */
function twinOf(layer: ArchitectureLayer): TwinLayer {
  switch (layer.kind) {
    case 'conv':
      return { ...layer, padding: 'same', useBias: false, activation: null };
    case 'depthwise':
      return { ...layer, padding: 'same' };
    case 'batch_norm':
      return { ...layer, momentum: 0.9, epsilon: 1e-5 };
    default:
      return { ...layer };
  }
}

const VGG: readonly TwinLayer[] = [
  { kind: 'input', name: 'input', shape: INPUT },
  ...([['block1_conv1', 'input', 32], ['block1_conv2', 'block1_conv1', 32], ['block2_conv1', 'block1_pool', 64], ['block2_conv2', 'block2_conv1', 64]] as const).flatMap(
    ([name, input, filters]) => {
      const conv: TwinLayer = { kind: 'conv', name, input, filters, kernelSize: 3, strides: 1, padding: 'same', useBias: true, activation: 'relu' };
      const pool = name.endsWith('conv2') ? [{ kind: 'max_pool', name: name.replace('conv2', 'pool'), input: name, poolSize: 2 }] : [];
      return [conv, ...pool];
    },
  ),
  { kind: 'flatten', name: 'flatten', input: 'block2_pool' },
  { kind: 'dense', name: 'fc1', input: 'flatten', units: 256, activation: 'relu' },
  { kind: 'dropout', name: 'dropout', input: 'fc1', rate: 0.5 },
  { kind: 'dense', name: 'predictions', input: 'dropout', units: CLASSES, activation: null },
];

export function twinLayers(model: BenchModel): readonly TwinLayer[] {
  return model === 'vgg' ? VGG : architectureOf(model).layers.map(twinOf);
}

/** The VGG as a Sequential (what users write, and what the direct pass takes), torch's initialisation. */
function buildVgg(seed: number): tf.LayersModel {
  const random = new SeededRandom(seed);
  const uniform = (fanIn: number) => {
    const bound = 1 / Math.sqrt(fanIn);
    return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: random.nextSeed() });
  };
  const model = tf.sequential({ name: 'vgg' });
  let channels = INPUT[2];
  let units = 0;
  for (const layer of VGG.slice(1)) {
    const name = layer.name;
    if (layer.kind === 'conv') {
      const fanIn = channels * 9;
      const filters = layer['filters'] as number;
      model.add(
        tf.layers.conv2d({
          name,
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: uniform(fanIn),
          biasInitializer: uniform(fanIn),
          ...(model.layers.length === 0 ? { inputShape: INPUT } : {}),
        }),
      );
      channels = filters;
    } else if (layer.kind === 'max_pool') model.add(tf.layers.maxPooling2d({ name, poolSize: 2 }));
    else if (layer.kind === 'flatten') {
      model.add(tf.layers.flatten({ name }));
      units = (model.outputs[0]!.shape[1] as number | null) ?? 0;
    } else if (layer.kind === 'dropout') model.add(tf.layers.dropout({ name, rate: layer['rate'] as number }));
    else if (layer.kind === 'dense') {
      const out = layer['units'] as number;
      model.add(
        tf.layers.dense({
          name,
          units: out,
          ...(layer['activation'] === 'relu' ? { activation: 'relu' as const } : {}),
          kernelInitializer: uniform(units),
          biasInitializer: uniform(units),
        }),
      );
      units = out;
    }
  }
  return model;
}

export function buildBenchModel(model: BenchModel, seed: number): tf.LayersModel {
  return model === 'vgg' ? buildVgg(seed) : buildArchitecture(architectureOf(model), seed);
}

const files = (model: BenchModel) => ({ spec: `model_${model}.json`, init: `model_${model}_init.f32`, logits: `model_${model}_logits.f32` });

/** Where Fashion-MNIST is on this machine, or why the case cannot run. */
export async function fashionMnistOrReason(): Promise<{ folder: string } | { reason: string }> {
  const located = await locateFashionMnist();
  return located.found ? { folder: located.files.folder } : { reason: located.advice };
}

/**
 * Writes what both sides read: the Fashion-MNIST split (the first images after prune-run's seeded
 * shuffle), the batch orders of training and fine-tuning, and per model its layer list, initial
 * weights (every weight, TF.js order and layout) and logits on a few test images.
 */
export async function prepareModelFiles(p: BenchParams, models: readonly BenchModel[]): Promise<void> {
  await selectBackend('auto');
  const data = await fashionData(p);
  writeArray(p.dir, 'fashion_train_images.f32', imageValues(data.train));
  writeArray(p.dir, 'fashion_train_labels.u8', data.train.labels);
  writeArray(p.dir, 'fashion_test_images.f32', imageValues(data.test));
  writeArray(p.dir, 'fashion_test_labels.u8', data.test.labels);
  const epochs = p.modelEpochs + p.modelFinetuneEpochs;
  const orders = new Uint32Array(epochs * p.modelTrainSize);
  // trainEpochs shuffles with SeededRandom(seed).permutation per epoch: training uses shuffleSeed,
  // fine-tuning shuffleSeed + 1 (runModel passes the same seeds).
  for (const [first, count, seed] of [[0, p.modelEpochs, p.shuffleSeed], [p.modelEpochs, p.modelFinetuneEpochs, p.shuffleSeed + 1]] as const) {
    const random = new SeededRandom(seed);
    for (let e = 0; e < count; e++) orders.set(random.permutation(p.modelTrainSize), (first + e) * p.modelTrainSize);
  }
  writeArray(p.dir, 'model_orders.u32', orders);

  for (const name of models) {
    const model = buildBenchModel(name, p.modelSeed);
    const weights = model.weights.map((w) => ({ name: w.originalName, shape: w.shape }));
    const values = model.weights.map((w) => readWeight(w));
    const init = new Float32Array(values.reduce((n, v) => n + v.length, 0));
    let offset = 0;
    for (const v of values) {
      init.set(v, offset);
      offset += v.length;
    }
    writeFileSync(join(p.dir, files(name).spec), JSON.stringify({ layers: twinLayers(name), weights }));
    writeArray(p.dir, files(name).init, init);
    const logits = tf.tidy(() => {
      const x = tf.tensor4d(imageValues(data.test).subarray(0, PORT_CHECK_IMAGES * 784), [PORT_CHECK_IMAGES, ...INPUT]);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    writeArray(p.dir, files(name).logits, logits);
    model.dispose();
  }
}

async function fashionData(p: BenchParams): Promise<Dataset> {
  const located = await locateFashionMnist();
  if (!located.found) throw new Error(located.advice);
  const { folder, train, test } = located.files;
  return loadDataset({ kind: 'builtin', name: 'fashion-mnist', folder, train, test, trainSize: p.modelTrainSize, testSize: p.modelTestSize }, new RandomStreams(p.dataSeed));
}

/** The split the driver wrote (the child does not shuffle again: both sides read the same bytes). */
function readSplit(p: BenchParams): Dataset {
  const split = (which: 'train' | 'test', count: number): Split => ({
    images: readF32(p.dir, `fashion_${which}_images.f32`),
    levels: null,
    labels: new Uint8Array(readFileSync(join(p.dir, `fashion_${which}_labels.u8`))),
    count,
  });
  return {
    train: split('train', p.modelTrainSize),
    test: split('test', p.modelTestSize),
    imageShape: INPUT,
    numClasses: CLASSES,
    identity: { source: 'bench: fashion-mnist split', files: [] },
  };
}

/** One global L1 step over every conv, depthwise and dense kernel (a recipe's `select: "*kernel"`). */
function pruneKernels(model: tf.LayersModel, amount: number): MaskSet {
  const masks = new MaskSet();
  const kernels = model.weights.filter((w) => w.trainable && /kernel$/.test(w.originalName)).map((w) => w.originalName);
  const states = kernels.map((name) => {
    const variable = weightNamed(model, name);
    return masks.track(name, variable.shape as number[], readWeight(variable));
  });
  pruneGlobal(states, l1Unstructured({ amount }));
  for (const name of kernels) writeWeight(weightNamed(model, name), masks.effective(name));
  return masks;
}

const STRUCTURED_PASSES = 3;

/**
 * Filters to 50% of the model's MACs, then the masked and the compact model evaluated in
 * alternation (`passes` timed passes each, after one untimed), with both MAC counts and the
 * largest logit difference on the first test batch.
 */
async function measureStructured(model: tf.LayersModel, data: Dataset, passes: number): Promise<Record<string, unknown>> {
  const kernels = prune.channelGroups(model).filter((g) => g.fixed === null).map((g) => `${g.root}/kernel`);
  prune.channelGroupsToTarget(model, { kernels, measure: 'macs', fraction: 0.5, minChannels: 0.25 });
  const compact = compactModel(model);
  // export.fold_batch_norm's form of it: batch norms and activations folded into the convs.
  const folded = foldForInference(compact.model);
  try {
    const macs = (m: tf.LayersModel) => modelMacs(describeLayersModel(m)).total;
    for (const m of [model, compact.model, folded.model]) await evaluate(m, data);
    const [maskedSeconds, compactSeconds, foldedSeconds] = await timeAlternating([model, compact.model, folded.model], data, passes);
    const difference = (other: tf.LayersModel) =>
      tf.tidy(() => {
        const count = Math.min(256, data.test.count);
        const x = tf.tensor4d(imageValues(data.test).subarray(0, count * 784), [count, ...INPUT]);
        return tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, other.predict(x) as tf.Tensor))).dataSync()[0]!;
      });
    const images = passes * data.test.count;
    return {
      macsBefore: macs(model),
      macsAfter: macs(compact.model),
      parametersAfter: compact.parametersAfter,
      maskedEvalImagesPerSecond: images / maskedSeconds!,
      compactEvalImagesPerSecond: images / compactSeconds!,
      foldedEvalImagesPerSecond: images / foldedSeconds!,
      foldedLayers: folded.folded.length,
      maxLogitDifference: difference(compact.model),
      foldedMaxLogitDifference: difference(folded.model),
    };
  } finally {
    compact.model.dispose();
    folded.model.dispose();
  }
}

export async function runModel(p: BenchParams): Promise<Record<string, unknown>> {
  const meter = PeakMeter.create();
  const baseline = meter.start();
  const backend = await selectBackend('auto');
  const data = readSplit(p);
  const config: TrainConfig = { epochs: p.modelEpochs, batchSize: p.modelBatchSize, optimizer: 'adam', learningRate: p.learningRate };
  const sharding = defaultSharding();
  const workers = sharding !== null && sharding.threads > 1 ? await GradientWorkers.start(sharding.threads - 1, sharding.backend) : undefined;
  const train = async (model: tf.LayersModel, epochs: number, seed: number, masks: MaskBinding, images = data.train.count) => {
    const subset = images === data.train.count ? data : { ...data, train: headOf(data.train, images, 784) };
    const started = performance.now();
    const result = await trainEpochs(model, subset, { config: { ...config, epochs }, seed, masks, workers });
    return { seconds: (performance.now() - started) / 1000, loss: result.at(-1)?.loss ?? Number.NaN };
  };

  // Untimed warm-up on a throwaway copy, masked (the masked path covers the unmasked one).
  const spare = buildBenchModel(p.model, p.modelSeed + 1000);
  const spareMasks = MaskBinding.fromMaskSet(spare, pruneKernels(spare, p.modelFinetuneAmount));
  await train(spare, 1, p.shuffleSeed + 1000, spareMasks, Math.min(data.train.count, p.modelWarmupSteps * p.modelBatchSize));
  spareMasks.dispose();
  spare.dispose();

  const tensorsBefore = tf.memory().numTensors;
  const model = buildBenchModel(p.model, p.modelSeed);
  const trained = await train(model, p.modelEpochs, p.shuffleSeed, MaskBinding.none());
  const accuracy = (await evaluate(model, data)).accuracy;
  const masks = pruneKernels(model, p.modelFinetuneAmount);
  const prunedAccuracy = (await evaluate(model, data)).accuracy;
  const binding = MaskBinding.fromMaskSet(model, masks);
  const tuned = await train(model, p.modelFinetuneEpochs, p.shuffleSeed + 1, binding);
  const tunedAccuracy = (await evaluate(model, data)).accuracy;
  binding.dispose();
  const structured = await measureStructured(model, data, STRUCTURED_PASSES);
  const parameters = model.countParams();
  model.dispose();
  await workers?.close();
  const images = p.modelEpochs * data.train.count;
  return {
    backend: backendSummary(backend),
    model: p.model,
    parameters,
    trainSeconds: trained.seconds,
    trainImagesPerSecond: images / trained.seconds,
    finalTrainLoss: trained.loss,
    testAccuracy: accuracy,
    prunedAccuracy,
    finetuneSeconds: tuned.seconds,
    finetuneImagesPerSecond: (p.modelFinetuneEpochs * data.train.count) / tuned.seconds,
    finetuneLoss: tuned.loss,
    finetunedAccuracy: tunedAccuracy,
    structured,
    peakRssMB: meter.peak() / MB,
    baselineRssMB: baseline / MB,
    memoryMethod: meter.method,
    tensorsLeaked: tf.memory().numTensors - tensorsBefore,
  };
}
