/**
 * TF.js IOHandlers for sparse models: `tf.loadLayersModel(handler)` gets the dense artifacts and
 * builds the ordinary model. Files are read and checked when TF.js calls load, not before.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors.js';
import { decodeSparsePayload } from './decode.js';
import { SPARSE_MODEL_JSON, type SparseModelFiles } from './format.js';
import { parseSparseModelJson } from './manifest.js';

/** Reads a sparse model held in memory; errors name the files as model.json and the manifest's path. */
export function sparseModelHandler(files: SparseModelFiles): tf.io.IOHandler {
  return {
    // async, so that a bad file is a rejected promise like every other load failure, not a throw.
    load: async () => {
      const model = parseSparseModelJson(files.json, SPARSE_MODEL_JSON);
      return decodeSparsePayload(model, files.weights, model.manifest.path);
    },
  };
}

/** Runs a read, turning a missing or unreadable file into an EngineError naming it. */
async function reading<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new EngineError('SPARSE_MODEL_READ', `${file}: cannot read it (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

/** Reads dir/model.json and the payload it names, as saveSparseModel writes them. */
export function sparseModelFromDir(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const jsonFile = path.join(dir, SPARSE_MODEL_JSON);
      const model = parseSparseModelJson(await reading(jsonFile, () => readFile(jsonFile, 'utf8')), jsonFile);
      const weightsFile = path.join(dir, model.manifest.path);
      const bytes = await reading(weightsFile, () => readFile(weightsFile));
      return decodeSparsePayload(model, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), weightsFile);
    },
  };
}
