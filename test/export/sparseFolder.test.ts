/**
 * sparseModelFromDir on folders that are damaged, truncated or made to harm: every one an Error
 * naming the file (an EngineError), never a hang, a crash or a huge allocation.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import { sparseModelFromDir, type SparseModelFiles } from '../../src/export/sparse/index.js';
import { mkfifo, sparseFile } from '../helpers/badFiles.js';
import { prunedLenetFiles, withManifest } from './sparseHelpers.js';

let files: SparseModelFiles;
let scratch: string;
let count = 0;

beforeAll(async () => {
  files = await prunedLenetFiles();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'prune-run-sparse-folder-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A new folder holding model.json and weights.sparse.bin as given (null: not written). */
async function folder(json: string | null = files.json, weights: Uint8Array | null = files.weights): Promise<string> {
  const dir = path.join(scratch, `m${count++}`);
  await mkdir(dir);
  if (json !== null) await writeFile(path.join(dir, 'model.json'), json);
  if (weights !== null) await writeFile(path.join(dir, 'weights.sparse.bin'), weights);
  return dir;
}

/** The error loading `dir` gives, checked to be an EngineError whose message starts with the file's path. */
async function loadError(dir: string, file: string, message: RegExp): Promise<EngineError> {
  const before = tf.memory().numTensors;
  const error: unknown = await tf.loadLayersModel(sparseModelFromDir(dir)).then(
    (model) => {
      model.dispose();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  const { message: text } = error as EngineError;
  expect(text.startsWith(`${path.join(dir, file)}: `), text).toBe(true);
  expect(text).toMatch(message);
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.getBackend()).toBe('wasm');
  return error as EngineError;
}

describe('sparseModelFromDir on a damaged or hostile folder', () => {
  it('loads an intact folder, and leaves the backend as it was', async () => {
    const model = await tf.loadLayersModel(sparseModelFromDir(await folder()));
    expect(model.weights.map((w) => w.originalName)).toContain('fc3/kernel');
    model.dispose();
    expect(tf.getBackend()).toBe('wasm');
  });

  it('names a missing model.json or payload', async () => {
    expect((await loadError(await folder(null), 'model.json', /cannot read it: it does not exist$/)).code).toBe('SPARSE_MODEL_READ');
    await loadError(await folder(files.json, null), 'weights.sparse.bin', /cannot read it: it does not exist$/);
  });

  it('refuses a model.json that is a FIFO, a folder or larger than 32 MiB, without reading it', async () => {
    const fifo = await folder(null);
    mkfifo(path.join(fifo, 'model.json'));
    await loadError(fifo, 'model.json', /is a FIFO \(named pipe\), not a regular file/);
    const nested = await folder(null);
    await mkdir(path.join(nested, 'model.json'));
    await loadError(nested, 'model.json', /is a folder/);
    const huge = await folder(null);
    await sparseFile(path.join(huge, 'model.json'), 8 * 1024 * 1024 * 1024);
    await loadError(huge, 'model.json', /more than the limit of 33,554,432 bytes/);
  });

  it('refuses a payload that leads out of the folder (a symlink to a file or to /dev/zero), or is a FIFO', async () => {
    const outside = path.join(scratch, 'outside.bin');
    await writeFile(outside, files.weights);
    const out = await folder(files.json, null);
    await symlink(outside, path.join(out, 'weights.sparse.bin'));
    await loadError(out, 'weights.sparse.bin', /leads out of the model's folder/);
    const zero = await folder(files.json, null);
    await symlink('/dev/zero', path.join(zero, 'weights.sparse.bin'));
    await loadError(zero, 'weights.sparse.bin', /leads out of the model's folder/);
    const fifo = await folder(files.json, null);
    mkfifo(path.join(fifo, 'weights.sparse.bin'));
    await loadError(fifo, 'weights.sparse.bin', /is a FIFO/);
  });

  it('refuses a payload of another size than the manifest says before reading it (an 8 GiB sparse file)', async () => {
    const dir = await folder(files.json, null);
    await sparseFile(path.join(dir, 'weights.sparse.bin'), 8 * 1024 * 1024 * 1024);
    await loadError(dir, 'weights.sparse.bin', /is 8589934592 bytes but model\.json's manifest says \d+ \(longer than its manifest says/);
    await loadError(await folder(files.json, files.weights.subarray(0, 100)), 'weights.sparse.bin', /is 100 bytes .*truncated/);
  });

  it('refuses a bitmask count that disagrees with its length', async () => {
    const bad = withManifest(files, (m) => {
      const entry = m.tensors.find((t) => t['encoding'] === 'bitmask')!;
      entry['stored'] = (entry['stored'] as number) + 1;
    });
    await loadError(await folder(bad.json), 'model.json', /length \d+ does not match its bitmask encoding/);
  });

  it('refuses huge declared sizes before any allocation: 2^31 entries of zeros (256 MiB on disk, 8 GiB decoded)', async () => {
    const entries = 2 ** 31;
    const bad = withManifest(files, (m) => {
      m.tensors = [{ name: 'fc3/kernel', dtype: 'float32', shape: [entries], encoding: 'bitmask', offset: 0, length: entries / 8, stored: 0 }];
      m.byteLength = entries / 8;
    });
    // The payload is never read: the manifest alone is refused.
    await loadError(await folder(bad.json, null), 'model.json', /declares more than 268,435,456 bytes \(256 MiB\) of weights once decoded \(at tensor fc3\/kernel/);
  });

  it('refuses a topology whose layer is far larger than its manifest, before TF.js allocates it', async () => {
    const json = JSON.parse(files.json) as { modelTopology: { config: { layers: { config: { name: string; units?: number } }[] } } };
    json.modelTopology.config.layers.find((layer) => layer.config.name === 'fc3')!.config.units = 50_000_000;
    const bytesBefore = tf.memory().numBytes;
    await loadError(await folder(JSON.stringify(json)), 'model.json', /its model lists weight "fc3\/kernel" as \[84, 10\], but its layer "fc3" makes it \[84, 50000000\]/);
    expect(tf.memory().numBytes).toBe(bytesBefore);
  });
});
