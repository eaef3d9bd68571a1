/**
 * Saves and loads TF.js LayersModels as a folder (model.json + weights.bin) with plain node:fs,
 * so that it works on every backend (the `file://` handler exists only with tfjs-node). The files
 * are the standard format: `tf.loadLayersModel` reads them without prune-run.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError, writingFile } from '../errors.js';
import type { ModelFile } from '../models/description.js';
import { checkModelFolder, readModelWeights } from '../models/modelFolder.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Writes through a temporary name and renames, so a reader never sees half a file. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await writingFile(file, async () => {
    await writeFile(temp, data);
    await rename(temp, file);
  });
}

/** A model in the standard two files, in memory: model.json's text and weights.bin's bytes. */
export interface SerializedModel {
  readonly json: string;
  readonly weights: Uint8Array;
}

export async function serializeModel(model: tf.LayersModel): Promise<SerializedModel> {
  let serialized: SerializedModel | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new EngineError('MODEL_SAVE', 'TF.js produced no weights to save');
      }
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'prune-run',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
      };
      serialized = {
        json: `${JSON.stringify(modelJson)}\n`,
        weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)),
      };
      return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) });
    }),
  );
  if (serialized === null) throw new EngineError('MODEL_SAVE', 'TF.js did not hand over the model to save');
  return serialized;
}

/** Writes the model as dir/model.json + dir/weights.bin; returns what was written. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<SerializedModel> {
  const serialized = await serializeModel(model);
  await mkdir(dir, { recursive: true });
  await writeAtomic(path.join(dir, WEIGHTS_BIN), serialized.weights);
  await writeAtomic(path.join(dir, MODEL_JSON), serialized.json);
  return serialized;
}

/**
 * Loads a LayersModel from its model.json path; weight files are resolved beside it, after the
 * checks of models/modelFolder.ts (inside the folder, regular files, exactly the bytes the weight
 * specs need), and read no further than that.
 */
export async function loadModel(model: Pick<ModelFile, 'path'>): Promise<tf.LayersModel> {
  const checked = await checkModelFolder(model);
  if (!checked.ok) throw new EngineError('MODEL_FILE', `model ${model.path} ${checked.problem}`);
  const weights = await readModelWeights(checked.folder);
  if ('problem' in weights) throw new EngineError('MODEL_FILE', `model ${model.path}: ${weights.problem}`);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: checked.folder.topology,
      weightSpecs: checked.folder.specs as tf.io.WeightsManifestEntry[],
      weightData: weights.data,
    }),
  );
}
