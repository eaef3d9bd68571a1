/**
 * Builds the TF.js model of an ONNX file from the importer's data (models/onnx/): its model.json
 * topology and TF.js-layout weights loaded as tf.loadLayersModel loads any model.json, so the
 * imported model is a plain functional LayersModel, saved and reloaded like any other.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors.js';
import type { ModelFile } from '../models/description.js';
import { readOnnxImport } from '../models/onnx/describe.js';

export async function loadOnnxModel(model: Pick<ModelFile, 'path'>): Promise<tf.LayersModel> {
  const imported = await readOnnxImport(model);
  // The planner converted the same file already; a failure here means it changed since.
  if ('problem' in imported) throw new EngineError('ONNX_IMPORT', `ONNX model ${model.path}: ${imported.problem}`);
  const size = imported.weights.reduce((sum, w) => sum + w.values.length, 0);
  const data = new Float32Array(size);
  let offset = 0;
  for (const weight of imported.weights) {
    data.set(weight.values, offset);
    offset += weight.values.length;
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: imported.topology,
      weightSpecs: imported.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' as const })),
      weightData: data.buffer,
    }),
  );
}
