/**
 * Reads an ONNX file into the importer's data (convert.ts), and describes the model it makes as a
 * model.json is described (models/modelJson.ts), without TF.js: the planner checks selectors
 * against it and the engine loads the same data into TF.js. What cannot be read or converted is a
 * RecipeError at the recipe's `model.onnx`, before any run folder exists.
 */
import { RecipeError, type SourceLocation } from '../../errors.js';
import { FileRefusedError, readRegularFile, refusalText } from '../../util/regularFile.js';
import type { ModelDescription } from '../description.js';
import { describeTopology } from '../modelJson.js';
import { convertOnnx, OnnxConversionError, type OnnxImport } from './convert.js';
import { decodeOnnx, OnnxReadError } from './graph.js';

/**
 * The largest ONNX file read: 256 MiB, as much weight data as a model.json's may have
 * (models/modelFolder.ts); the file is read whole and decoded in memory.
 */
export const MAX_ONNX_BYTES = 256 * 1024 * 1024;

/** The file's import, or the message of why it has none (read only if it is a regular file within MAX_ONNX_BYTES). */
export async function readOnnxImport(file: string): Promise<OnnxImport | { readonly problem: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(file, MAX_ONNX_BYTES);
  } catch (error) {
    if (error instanceof FileRefusedError) return { problem: `the file ${refusalText(error.refusal)}` };
    return { problem: `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  try {
    return convertOnnx(decodeOnnx(bytes));
  } catch (error) {
    if (error instanceof OnnxReadError || error instanceof OnnxConversionError) return { problem: error.message };
    throw error;
  }
}

/** The description of the converted model: its layers as TF.js will have them, and their torch names. */
export function describeOnnxImport(source: string, imported: OnnxImport, fail: (message: string) => never): ModelDescription {
  const described = describeTopology(source, imported.topology, imported.weights, fail);
  return { ...described, torch: imported.torch, inputShape: imported.inputShape };
}

export async function describeOnnx(file: string, at: SourceLocation): Promise<ModelDescription> {
  const fail = (message: string): never => {
    throw new RecipeError([{ at, message: `ONNX model ${file}: ${message}` }]);
  };
  const imported = await readOnnxImport(file);
  if ('problem' in imported) return fail(imported.problem);
  return describeOnnxImport(file, imported, fail);
}
