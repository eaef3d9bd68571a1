/**
 * The model files a recipe names, checked while the recipe is loaded, so that a bad one is a
 * located recipe problem reported with the others before any run folder exists: model.path's
 * model.json and its weight files (models/modelFolder.ts: inside the model's folder, regular
 * files of exactly the size their weights need, a layers model and not a graph model or a Keras
 * file), model.onnx's file (a regular file within MAX_ONNX_BYTES; converting it is the
 * planner's). Data files are dataFiles.ts's, masks and scores masks.ts's.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { RecipeProblem } from '../errors.js';
import { checkModelFolder } from '../models/modelFolder.js';
import { MAX_ONNX_BYTES } from '../models/onnx/describe.js';
import { fileRefusalMessage, FileRefusedError, openRegularFile } from '../util/regularFile.js';
import type { ParsedRecipe } from './parse.js';
import { getPath, type PathSegment } from './positions.js';

/**
 * One problem per model file the recipe names that cannot be used. Reads the raw value
 * defensively so that it can run alongside validation and report everything in one pass.
 */
export async function checkFiles(recipe: ParsedRecipe, absoluteFile: string): Promise<RecipeProblem[]> {
  const dir = path.dirname(absoluteFile);
  const check = async (where: PathSegment[], what: string, limit?: number, deeper?: (given: string, absolute: string) => Promise<string | null>): Promise<RecipeProblem | null> => {
    const given = getPath(recipe.value, where);
    // Missing or non-string paths are the schema's problems.
    if (typeof given !== 'string' || given === '') return null;
    const absolute = path.resolve(dir, given);
    const message = (await fileProblem(given, absolute, what, limit)) ?? (deeper === undefined ? null : await deeper(given, absolute));
    return message === null ? null : { at: recipe.positions.valueAt(where), message };
  };
  const problems = await Promise.all([
    // model.json's own size limit is checkModelFolder's: a Keras file is named as such, however large.
    check(['model', 'path'], 'model file', undefined, async (given, absolute) => {
      const checked = await checkModelFolder({ path: absolute });
      return checked.ok ? null : `model file "${given}" ${checked.problem}`;
    }),
    check(['model', 'onnx'], 'ONNX model file', MAX_ONNX_BYTES),
  ]);
  return problems.filter((p): p is RecipeProblem => p !== null);
}

/** What a folder named as a model file holds instead, as a hint; '' when nothing helps. */
async function folderHint(given: string, absolute: string): Promise<string> {
  const isFile = (name: string) => stat(path.join(absolute, name)).then((s) => s.isFile(), () => false);
  // A TF.js model is usually handed around as its folder; point at the file inside.
  if (await isFile('model.json')) return ` (did you mean "${path.posix.join(given.replace(/\\/g, '/'), 'model.json')}"?)`;
  if (await isFile('saved_model.pb')) {
    return ': a TensorFlow SavedModel; if it is a Keras model, convert it: tensorflowjs_converter --input_format keras_saved_model ' +
      `${given} model-tfjs/, then set model: {path: model-tfjs/model.json}`;
  }
  return '';
}

/**
 * Why `given` (at `absolute`) cannot be read as a regular file of at most `limit` bytes, or null
 * when it can. Only stat'ed and opened: reading is the caller's.
 */
export async function fileProblem(given: string, absolute: string, what: string, limit?: number): Promise<string | null> {
  try {
    const { handle } = await openRegularFile(absolute, limit);
    await handle.close();
    return null;
  } catch (error) {
    if (!(error instanceof FileRefusedError)) throw error;
    const { refusal } = error;
    if (refusal.kind === 'missing') return `${what} not found: "${given}" (looked for ${absolute}; relative paths start at the recipe's folder)`;
    if (refusal.kind === 'folder') return `${what} "${given}" is a folder, not a file${await folderHint(given, absolute)}`;
    return fileRefusalMessage(what, given, refusal);
  }
}
