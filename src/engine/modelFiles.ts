/**
 * Saves and loads TF.js LayersModels as a folder (model.json + weights.bin) with plain node:fs,
 * so that it works on every backend (the `file://` handler exists only with tfjs-node). The files
 * are the standard format: `tf.loadLayersModel` reads them without prune-run.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Writes through a temporary name and renames, so a reader never sees half a file. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, data);
  await rename(temp, file);
}

export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new EngineError('MODEL_SAVE', 'TF.js produced no weights to save');
      }
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'prune-run',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
      };
      await writeAtomic(path.join(dir, WEIGHTS_BIN), weights);
      await writeAtomic(path.join(dir, MODEL_JSON), `${JSON.stringify(modelJson)}\n`);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

interface ModelJsonFile {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads a LayersModel from its model.json path; weight files are resolved beside it. */
export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJsonFile;
  const dir = path.dirname(modelJsonPath);
  const buffers: ArrayBuffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const relative of group.paths) {
      const bytes = await readFile(path.join(dir, relative));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    specs.push(...group.weights);
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: tf.io.CompositeArrayBuffer.join(buffers),
    }),
  );
}
