import { crc32 } from 'node:zlib';
import { mkdtemp, rm, truncate, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { serializeModel } from '../../src/engine/modelFiles.js';
import {
  saveSparseModel,
  sparseModelFromDir,
  sparseModelHandler,
  type SparseModelFiles,
} from '../../src/export/sparse/index.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { prunedLenetFiles, withManifest } from './sparseHelpers.js';

let files: SparseModelFiles;
let scratch: string;

beforeAll(async () => {
  files = await prunedLenetFiles();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'prune-run-sparse-corrupt-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Asserts that loading `bad` fails with a SPARSE_MODEL_INVALID EngineError matching `message`. */
async function expectRefused(bad: SparseModelFiles, message: RegExp): Promise<void> {
  const error: unknown = await sparseModelHandler(bad).load!().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe('SPARSE_MODEL_INVALID');
  expect((error as EngineError).message).toMatch(message);
}

/** A copy of the payload changed by `edit`, with the manifest's CRC-32 updated to match. */
function withPayload(source: SparseModelFiles, edit: (bytes: Uint8Array) => void): SparseModelFiles {
  const weights = source.weights.slice();
  edit(weights);
  return withManifest({ json: source.json, weights }, (m) => (m.crc32 = crc32(weights)));
}

describe('corrupt sparse model files', () => {
  it('truncated weights', async () => {
    const n = files.weights.length;
    await expectRefused({ json: files.json, weights: files.weights.subarray(0, n - 10) }, new RegExp(`^weights\\.sparse\\.bin: is ${n - 10} bytes but model\\.json's manifest says ${n} \\(truncated`));
    await expectRefused({ json: files.json, weights: new Uint8Array(0) }, /^weights\.sparse\.bin: is 0 bytes .*truncated/);
  });

  it('extra bytes after the weights', async () => {
    const longer = new Uint8Array(files.weights.length + 4);
    longer.set(files.weights);
    await expectRefused({ json: files.json, weights: longer }, /^weights\.sparse\.bin: is \d+ bytes but model\.json's manifest says \d+ \(longer than its manifest says/);
  });

  it('a flipped byte in the weights (the CRC-32 catches it)', async () => {
    const weights = files.weights.slice();
    weights[weights.length - 2]! ^= 0x10;
    await expectRefused({ json: files.json, weights }, /^weights\.sparse\.bin: CRC-32 is \d+ but model\.json's manifest says \d+/);
  });

  it('an unknown format version or name', async () => {
    await expectRefused(withManifest(files, (m) => (m.version = 2)), /^model\.json: prune-run-sparse-weights version 2 is not supported \(this reader knows version 1\)/);
    await expectRefused(withManifest(files, (m) => (m.version = '1')), /^model\.json: .*version "1" is not supported/);
    await expectRefused(withManifest(files, (m) => (m.format = 'other-sparse')), /^model\.json: sparseWeightsManifest\.format is "other-sparse", expected "prune-run-sparse-weights"/);
  });

  it('offsets past the end of the weights', async () => {
    const end = files.weights.length;
    await expectRefused(
      withManifest(files, (m) => (m.tensors[2]!.offset = end + 8)),
      /^model\.json: tensor conv2\/kernel: bytes \[\d+, \d+\) go past the end of weights\.sparse\.bin \(\d+ bytes\)/,
    );
    await expectRefused(
      withManifest(files, (m) => (m.tensors.at(-1)!.offset = (m.tensors.at(-1)!.offset as number) + 1)),
      /^model\.json: tensor fc3\/bias: bytes .* go past the end/,
    );
  });

  it('a layout with gaps, overlaps or bytes no tensor covers', async () => {
    await expectRefused(withManifest(files, (m) => (m.tensors[1]!.offset = 0)), /^model\.json: tensor conv1\/bias starts at byte 0, expected \d+/);
    await expectRefused(withManifest(files, (m) => m.tensors.pop()), /^model\.json: the tensors cover \d+ bytes of a \d+-byte weights\.sparse\.bin/);
    await expectRefused(withManifest(files, (m) => (m.tensors[3]!.name = 'conv1/kernel')), /^model\.json: tensor conv1\/kernel appears twice/);
  });

  it('entries that do not match their dtype, shape or encoding', async () => {
    await expectRefused(withManifest(files, (m) => (m.tensors[0]!.length = (m.tensors[0]!.length as number) + 1)), /^model\.json: tensor conv1\/kernel: length \d+ does not match its bitmask encoding of float32 \[3, 3, 1, 6\]/);
    await expectRefused(withManifest(files, (m) => (m.tensors[0]!.stored = 1000)), /^model\.json: tensor conv1\/kernel: stored must be an integer from 0 to 54/);
    await expectRefused(withManifest(files, (m) => (m.tensors[0]!.encoding = 'rle')), /encoding "rle" is not one of bitmask, raw/);
    await expectRefused(withManifest(files, (m) => (m.tensors[0]!.dtype = 'float16')), /dtype "float16" is not one of float32, int32, bool/);
    await expectRefused(withManifest(files, (m) => (m.tensors[0]!.shape = [3, -3])), /shape must be a list of non-negative integers/);
    await expectRefused(withManifest(files, (m) => (m.tensors[1]!.encoding = 'bitmask')), /conv1\/bias: stored must be an integer/);
  });

  it('a mask that disagrees with the stored count or has bits past the end (CRC-32 made to match)', async () => {
    // conv1/kernel: 54 entries, a 7-byte mask whose last byte uses 6 bits.
    await expectRefused(withPayload(files, (w) => (w[0]! ^= 0x01)), /^weights\.sparse\.bin: tensor conv1\/kernel: the mask has \d+ bits set but the manifest says 5 entries are stored/);
    await expectRefused(
      withPayload(files, (w) => {
        // Move one set bit past entry 53 so the count still matches.
        const k = [0, 1, 2, 3, 4, 5, 6].find((i) => w[i] !== 0)!;
        w[k]! &= w[k]! - 1;
        w[6]! |= 0x80;
      }),
      /^weights\.sparse\.bin: tensor conv1\/kernel: the mask's last byte has bits set beyond entry 53/,
    );
  });

  it('a model.json that is not a sparse model', async () => {
    const model = buildLenet(5);
    const dense = await serializeModel(model);
    model.dispose();
    await expectRefused({ json: dense.json, weights: dense.weights }, /^model\.json: has no sparseWeightsManifest; it is not a sparse model/);
    await expectRefused({ json: files.json.slice(0, 100), weights: files.weights }, /^model\.json: is not valid JSON/);
    await expectRefused({ json: files.json.replace('"layers-model"', '"graph-model"'), weights: files.weights }, /^model\.json: format is "graph-model", expected "layers-model"/);
    await expectRefused(withManifest(files, (m) => (m.path = '../weights.bin')), /path must be a file name beside model\.json, got "\.\.\/weights\.bin"/);
  });

  it('errors from a folder name the file, and come through tf.loadLayersModel unchanged', async () => {
    const dir = path.join(scratch, 'truncated');
    await saveSparseModel(buildLenet(5), dir);
    const weightsFile = path.join(dir, 'weights.sparse.bin');
    await truncate(weightsFile, 100);
    await expectNoTensorLeak(async () => {
      const error: unknown = await tf.loadLayersModel(sparseModelFromDir(dir)).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).message).toMatch(new RegExp(`^${weightsFile.replace(/[.\\/]/g, '\\$&')}: is 100 bytes but`));
    });
    await unlink(weightsFile);
    const missing: unknown = await sparseModelFromDir(dir).load!().then(() => null, (e: unknown) => e);
    expect(missing).toBeInstanceOf(EngineError);
    expect((missing as EngineError).code).toBe('SPARSE_MODEL_READ');
    expect((missing as EngineError).message).toMatch(/weights\.sparse\.bin: cannot read it: it does not exist/);
  });
});
