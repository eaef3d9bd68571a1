/**
 * TF.js IOHandlers for sparse models: `tf.loadLayersModel(handler)` gets the dense artifacts and
 * builds the ordinary model. Files are read and checked when TF.js calls load, not before.
 *
 * Nothing in a folder (sparseModelFromDir) is trusted (it may be damaged, truncated or made to harm): model.json is read
 * only if it is a regular file within MAX_MODEL_JSON_BYTES, the payload only if it is a regular file
 * inside the folder by real path (a symlink out of it is refused) of exactly the manifest's
 * byteLength, and never further; the manifest declares at most MAX_MODEL_WEIGHT_BYTES of decoded
 * weights (manifest.ts); and the topology is built against the manifest's weights with each weight
 * compared before it is allocated (engine/modelCheck.ts), so a layer of 50,000,000 units whose
 * manifest lists a few bytes is an error, not 800 MB taken by TF.js's build. Every problem is an
 * EngineError naming the file.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors.js';
import { modelBuildProblem } from '../../engine/modelCheck.js';
import { MAX_MODEL_JSON_BYTES } from '../../models/modelFolder.js';
import { FileRefusedError, openRegularFile, readInto, readRegularFile, refusalText } from '../../util/regularFile.js';
import { decodeSparsePayload } from './decode.js';
import { SPARSE_MODEL_JSON, type SparseModelFiles } from './format.js';
import { invalid, parseSparseModelJson, type SparseModelJson } from './manifest.js';

/**
 * The artifacts of a checked model.json and payload read from a folder, once TF.js is known to
 * build the topology with exactly the manifest's model weights (an optimizer's are not the
 * layers'). The check builds on the cpu backend; the backend in use before is set back after it.
 */
async function checkedArtifacts(model: SparseModelJson, payload: Uint8Array, jsonFile: string, weightsFile: string): Promise<tf.io.ModelArtifacts> {
  const artifacts = decodeSparsePayload(model, payload, weightsFile);
  const specs = (artifacts.weightSpecs ?? [])
    .filter((spec) => spec.group !== 'optimizer')
    .map((spec) => ({ name: spec.name, shape: [...spec.shape], dtype: spec.dtype }));
  const backend = tf.getBackend();
  let problem: string | null;
  try {
    problem = await modelBuildProblem(artifacts.modelTopology as Record<string, unknown>, specs);
  } finally {
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  }
  if (problem !== null) throw invalid(jsonFile, `its model ${problem}`);
  return artifacts;
}

/**
 * Reads a sparse model held in memory (the program's own, encodeSparseModel's): the format is
 * checked whole (manifest.ts, decode.ts), the topology is not built against it, so the artifacts
 * are exactly what the files hold. Errors name the files as model.json and the manifest's path.
 */
export function sparseModelHandler(files: SparseModelFiles): tf.io.IOHandler {
  return {
    // async, so that a bad file is a rejected promise like every other load failure, not a throw.
    load: async () => {
      const model = parseSparseModelJson(files.json, SPARSE_MODEL_JSON);
      return decodeSparsePayload(model, files.weights, model.manifest.path);
    },
  };
}

/** The error for a file that cannot be read as a regular file, naming it. */
function unreadable(file: string, error: unknown): EngineError {
  const why = error instanceof FileRefusedError ? refusalText(error.refusal) : `cannot be read (${error instanceof Error ? error.message : String(error)})`;
  return new EngineError('SPARSE_MODEL_READ', `${file}: cannot read it: it ${why}`, { cause: error });
}

/** model.json's text, read only if it is a regular file within MAX_MODEL_JSON_BYTES. */
async function readModelJson(file: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(file, MAX_MODEL_JSON_BYTES);
  } catch (error) {
    throw unreadable(file, error);
  }
  return new TextDecoder().decode(bytes);
}

/** The payload: inside `dir` by real path, a regular file of exactly `byteLength` bytes, read no further. */
async function readPayload(dir: string, file: string, byteLength: number): Promise<Uint8Array> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    throw unreadable(file, new FileRefusedError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'missing' } : { kind: 'unreadable', code: String((error as NodeJS.ErrnoException).code) }));
  }
  const inside = path.relative(await realpath(dir), real);
  if (inside.startsWith('..') || path.isAbsolute(inside)) throw invalid(file, `leads out of the model's folder (to ${real}); the payload must be a file beside model.json`);
  let opened;
  try {
    opened = await openRegularFile(real);
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    if (opened.size !== byteLength) {
      const what = opened.size < byteLength ? 'truncated' : 'longer than its manifest says';
      throw invalid(file, `is ${opened.size} bytes but model.json's manifest says ${byteLength} (${what}, or from another model)`);
    }
    const bytes = new Uint8Array(byteLength);
    const got = await readInto(opened.handle, bytes);
    return got === byteLength ? bytes : bytes.subarray(0, got); // shrank since it was opened: decode says so
  } finally {
    await opened.handle.close();
  }
}

/** Reads dir/model.json and the payload it names, as saveSparseModel writes them. */
export function sparseModelFromDir(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const jsonFile = path.join(dir, SPARSE_MODEL_JSON);
      const model = parseSparseModelJson(await readModelJson(jsonFile), jsonFile);
      const weightsFile = path.join(dir, model.manifest.path);
      return checkedArtifacts(model, await readPayload(dir, weightsFile, model.manifest.byteLength), jsonFile, weightsFile);
    },
  };
}
