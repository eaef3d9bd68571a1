/**
 * Writes a sparse model as dir/model.json + dir/weights.sparse.bin. Each file is written under a
 * temporary name and renamed, so a reader never sees half a file; the payload goes first, so that
 * once model.json names it, it is there (a reader racing an overwrite of an older model sees the
 * mismatch through the manifest's byteLength and CRC-32 and refuses it).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writingFile } from '../../errors.js';
import { encodeSparseModel } from './encode.js';
import { SPARSE_MODEL_JSON, SPARSE_WEIGHTS_BIN } from './format.js';

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    await writingFile(file, async () => {
      await writeFile(temp, data);
      await rename(temp, file);
    });
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Saves the model in the sparse format; `bytes` is the two files' total size. */
export async function saveSparseModel(model: tf.LayersModel, dir: string): Promise<{ bytes: number }> {
  const files = await encodeSparseModel(model);
  await mkdir(dir, { recursive: true });
  await writeAtomic(path.join(dir, SPARSE_WEIGHTS_BIN), files.weights);
  await writeAtomic(path.join(dir, SPARSE_MODEL_JSON), files.json);
  return { bytes: Buffer.byteLength(files.json, 'utf8') + files.weights.byteLength };
}
