/** The ModelDescription the planner sees for a TF.js model: saved as model.json, read back by describeModelJson. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelDescription } from '../../src/models/description.js';
import { describeModelJson } from '../../src/models/modelJson.js';

export async function describeTfModel(model: tf.LayersModel): Promise<ModelDescription> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  const folder = await mkdtemp(path.join(tmpdir(), 'prune-run-groups-'));
  try {
    const file = path.join(folder, 'model.json');
    const json = { modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs }] };
    await writeFile(file, JSON.stringify(json));
    // The weights too: a model.json is described only once its weight files are checked.
    await writeFile(path.join(folder, 'weights.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(saved!.weightData)));
    return await describeModelJson(file, { file: 'test', line: 1, col: 1 });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
