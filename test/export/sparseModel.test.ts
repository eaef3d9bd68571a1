import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { serializeModel } from '../../src/engine/modelFiles.js';
import {
  encodeSparseModel,
  saveSparseModel,
  sparseModelFromDir,
  sparseModelHandler,
  SPARSE_WEIGHTS_FORMAT,
  SPARSE_WEIGHTS_VERSION,
} from '../../src/export/sparse/index.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { images, predict } from './compactHelpers.js';
import { bitsOf, expectSameWeights, filesBytes, pruneKernels } from './sparseHelpers.js';

let scratch: string;

beforeAll(async () => {
  await selectBackend('wasm');
  scratch = await mkdtemp(path.join(os.tmpdir(), 'prune-run-sparse-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const LENET_KERNELS = ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel'];

function prunedLenet(seed: number, fraction: number): tf.LayersModel {
  const model = buildLenet(seed);
  pruneKernels(model, fraction);
  return model;
}

/** Asserts `loaded` is `model` bit for bit, weights and logits. */
function expectSameModel(loaded: tf.LayersModel, model: tf.LayersModel): void {
  expectSameWeights(loaded, model);
  const x = images(32, 9);
  try {
    expect(bitsOf(predict(loaded, x))).toEqual(bitsOf(predict(model, x)));
  } finally {
    x.dispose();
  }
}

describe('sparse files of a 90%-pruned LeNet', () => {
  it('take at most 20% of the dense files and load back bit for bit', async () => {
    const model = prunedLenet(7, 0.9);
    const dense = await serializeModel(model);
    const sparse = await encodeSparseModel(model);
    expect(filesBytes(sparse)).toBeLessThanOrEqual(0.2 * filesBytes(dense));

    const loaded = await tf.loadLayersModel(sparseModelHandler(sparse));
    expectSameModel(loaded, model);
    loaded.dispose();
    model.dispose();
  });

  it('keep model.json a layers-model file with the topology TF.js saves and the manifest under its own key', async () => {
    const model = prunedLenet(7, 0.9);
    const dense = JSON.parse((await serializeModel(model)).json) as Record<string, unknown>;
    const sparse = JSON.parse((await encodeSparseModel(model)).json) as Record<string, unknown>;
    expect(sparse.format).toBe('layers-model');
    expect(sparse.modelTopology).toEqual(dense.modelTopology);
    expect(sparse.weightsManifest).toBeUndefined();
    const manifest = sparse.sparseWeightsManifest as { format: string; version: number; tensors: { name: string; encoding: string; shape: number[]; stored?: number }[] };
    expect(manifest.format).toBe(SPARSE_WEIGHTS_FORMAT);
    expect(manifest.version).toBe(SPARSE_WEIGHTS_VERSION);
    const specs = (dense.weightsManifest as { weights: { name: string }[] }[])[0]!.weights;
    expect(manifest.tensors.map((t) => t.name)).toEqual(specs.map((s) => s.name));
    for (const t of manifest.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (LENET_KERNELS.includes(t.name)) {
        expect([t.name, t.encoding, t.stored]).toEqual([t.name, 'bitmask', n - Math.round(0.9 * n)]);
      } else {
        expect([t.name, t.encoding]).toEqual([t.name, 'raw']);
      }
    }
    model.dispose();
  });

  it('save to a folder atomically and load from it bit for bit', async () => {
    const model = prunedLenet(8, 0.9);
    const dir = path.join(scratch, 'lenet-90');
    const { bytes } = await saveSparseModel(model, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.sparse.bin']);
    const sizes = await Promise.all(['model.json', 'weights.sparse.bin'].map(async (f) => (await stat(path.join(dir, f))).size));
    expect(bytes).toBe(sizes[0]! + sizes[1]!);
    expect(bytes).toBe(filesBytes(await encodeSparseModel(model)));
    expect(bytes).toBeLessThanOrEqual(0.2 * filesBytes(await serializeModel(model)));

    const loaded = await tf.loadLayersModel(sparseModelFromDir(dir));
    expectSameModel(loaded, model);
    loaded.dispose();

    // Saving again over the folder replaces both files.
    const other = prunedLenet(9, 0.9);
    await saveSparseModel(other, dir);
    const reloaded = await tf.loadLayersModel(sparseModelFromDir(dir));
    expectSameModel(reloaded, other);
    expect(JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'))).toHaveProperty('sparseWeightsManifest');
    for (const m of [reloaded, other, model]) m.dispose();
  });
});

describe('sparse files of a 50%-pruned LeNet', () => {
  it('are about half the dense size and load back bit for bit', async () => {
    const model = prunedLenet(7, 0.5);
    const dense = await serializeModel(model);
    const sparse = await encodeSparseModel(model);
    // Half the values plus one bit per entry: 4n/2 + n/8 of 4n, 53%, the json aside.
    expect(filesBytes(sparse)).toBeLessThanOrEqual(0.56 * filesBytes(dense));
    const loaded = await tf.loadLayersModel(sparseModelHandler(sparse));
    expectSameModel(loaded, model);
    loaded.dispose();
    model.dispose();
  });
});

describe('sparse model files and tensors', () => {
  it('encoding, saving and loading leave no tensor behind', async () => {
    const model = prunedLenet(7, 0.9);
    await expectNoTensorLeak(async () => {
      const sparse = await encodeSparseModel(model);
      (await tf.loadLayersModel(sparseModelHandler(sparse))).dispose();
      const dir = path.join(scratch, 'leak');
      await saveSparseModel(model, dir);
      (await tf.loadLayersModel(sparseModelFromDir(dir))).dispose();
    });
    model.dispose();
  });
});
