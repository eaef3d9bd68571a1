/** export.onnx: model.onnx (and model-compact.onnx) written from a TF.js model, see model.ts. */
import { writeFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { writingFile } from '../../errors.js';
import { modelToOnnx, type OnnxExportOptions } from './model.js';

export { modelToOnnx, ONNX_CONVERTERS, type OnnxExportOptions } from './model.js';
export { ONNX_OPSET } from './graph.js';

/** Writes `file` with the model as ONNX; returns its size in bytes. */
export async function saveOnnx(model: tf.LayersModel, file: string, options: OnnxExportOptions = {}): Promise<number> {
  const bytes = modelToOnnx(model, options);
  await writingFile(file, () => writeFile(file, bytes));
  return bytes.byteLength;
}
