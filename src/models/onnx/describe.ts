/**
 * Reads an ONNX file into the importer's data (convert.ts), and describes the model it makes as a
 * model.json is described (models/modelJson.ts), without TF.js: the planner checks selectors
 * against it and the engine loads the same data into TF.js. What cannot be read or converted is a
 * RecipeError at the recipe's `model.onnx`, before any run folder exists.
 */
import { RecipeError } from '../../errors.js';
import { FileRefusedError, readRegularFile, refusalText } from '../../util/regularFile.js';
import type { ModelDescription, ModelFile } from '../description.js';
import { describeTopology } from '../modelJson.js';
import { convertOnnx, OnnxConversionError, type OnnxImport } from './convert.js';
import { decodeOnnx, OnnxReadError } from './graph.js';

/**
 * The largest ONNX file read: 256 MiB, as much weight data as a model.json's may have
 * (models/modelFolder.ts); the file is read whole and decoded in memory.
 */
export const MAX_ONNX_BYTES = 256 * 1024 * 1024;

/** The file's import, or the message of why it has none (read only if it is a regular file within MAX_ONNX_BYTES). */
export async function readOnnxImport(model: Pick<ModelFile, 'path'>): Promise<OnnxImport | { readonly problem: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(model.path, MAX_ONNX_BYTES);
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

/** The description of the converted model (but its source): its layers as TF.js will have them, and their torch names. */
export function describeOnnxImport(imported: OnnxImport, fail: (message: string) => never): Omit<ModelDescription, 'source'> {
  const described = describeTopology(imported.topology, imported.weights, fail);
  return { ...described, torch: imported.torch, inputShape: imported.inputShape };
}

/** The description of the ONNX model a recipe names (model.onnx); what cannot be read or converted is a RecipeError there. */
export async function describeOnnx(model: ModelFile): Promise<ModelDescription> {
  const fail = (message: string): never => {
    throw new RecipeError([{ at: model.at, message: `ONNX model ${model.path}: ${message}` }]);
  };
  const imported = await readOnnxImport(model);
  if ('problem' in imported) return fail(imported.problem);
  return { source: model.path, ...describeOnnxImport(imported, fail) };
}
