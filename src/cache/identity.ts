/**
 * What a root task reads, by content: the files of a model given by path (model.json and its
 * weight files, or the ONNX file); for a built-in model, its name and options (the seed is the task's own). A changed file changes every cache key after the task that read it.
 */
import path from 'node:path';
import { builtinModelIdentity } from '../models/builtin.js';
import { checkModelFolder } from '../models/modelFolder.js';
import { MAX_ONNX_BYTES } from '../models/onnx/describe.js';
import type { ModelSource } from '../recipe/types.js';
import { readRegularFile } from '../util/regularFile.js';
import { sha256Hex } from '../util/sha256.js';

export async function modelIdentity(source: ModelSource): Promise<unknown> {
  if (source.kind === 'builtin') return builtinModelIdentity(source);
  if (source.kind === 'onnx') return { files: [{ file: path.basename(source.path), sha256: sha256Hex(await readRegularFile(source.path, MAX_ONNX_BYTES)) }] };
  // The weight files as checked before the run: inside the model's folder, each read no further than its size.
  const checked = await checkModelFolder(source);
  if (!checked.ok) throw new Error(`model ${source.path} ${checked.problem}`);
  const files = [{ file: path.basename(source.path), sha256: sha256Hex(checked.folder.json) }];
  for (const weight of checked.folder.weightFiles) files.push({ file: weight.path, sha256: sha256Hex(await readRegularFile(weight.file, weight.bytes)) });
  return { files };
}
