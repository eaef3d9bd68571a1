/**
 * A TF.js LayersModel on disk — model.json and the weight files its weightsManifest names —
 * checked before anything reads it whole: model.json a regular file of sane size and a layers
 * model (a graph model or a Keras file gets the converter command instead); every weight path
 * inside model.json's folder by real path (no `../`, absolute path, URL or symlink out of it);
 * every weight file a regular file holding exactly the bytes its weights' dtypes and shapes need.
 * The check made before a run (recipe/files.ts, describeModelJson) and the engine's load are this
 * one function, and the load reads each file no further than the size checked.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { FileRefusedError, formatBytes, openRegularFile, readInto, refusalText, type OpenedFile } from '../util/regularFile.js';
import type { ModelFile } from './description.js';
import { isRecord, topologyLayers } from './topology.js';

/** model.json holds the topology and the manifest, no weights: tens of kilobytes for LeNet, a few MB for big nets. */
export const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;
/** The most weight data a model may have: 256 MiB, 64M float32 parameters (ResNet-50 has 25M). */
export const MAX_MODEL_WEIGHT_BYTES = 256 * 1024 * 1024;

/** Bytes per value of each weight dtype TF.js writes, and of each quantized dtype. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

/** One entry of a weightsManifest group's `weights`, as TF.js reads it. */
export interface WeightSpecJson {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly quantization?: Record<string, unknown>;
}

export interface WeightFile {
  /** As the manifest writes it. */
  readonly path: string;
  /** Its real path, inside the model's folder. */
  readonly file: string;
  /** Its size when checked: the load reads exactly this. */
  readonly bytes: number;
}

export interface CheckedModelFolder {
  readonly topology: Record<string, unknown>;
  /** Every group's weights, in manifest order (the order of the weight data). */
  readonly specs: readonly WeightSpecJson[];
  /** Every group's files, in manifest order. */
  readonly weightFiles: readonly WeightFile[];
  readonly weightBytes: number;
  /** model.json's bytes, as read (the stage cache hashes them). */
  readonly json: Uint8Array;
}

export type ModelFolderCheck = { readonly ok: true; readonly folder: CheckedModelFolder } | { readonly ok: false; readonly problem: string };

const TO_LAYERS = 'tensorflowjs_converter --input_format keras model.h5 model-tfjs/';
const NAME_IT = 'then set model: {path: model-tfjs/model.json}';

/** What the first bytes or the name say a file is, when it is a model format prune-run does not read. */
function foreignFormat(file: string, head: Uint8Array): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const extension = path.extname(file).toLowerCase();
  if (starts(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a) || extension === '.h5' || extension === '.hdf5') {
    return `is a Keras HDF5 file, not a TF.js model.json; convert it: tensorflowjs_converter --input_format keras ${path.basename(file)} model-tfjs/, ${NAME_IT}`;
  }
  if (extension === '.keras' || (starts(0x50, 0x4b, 0x03, 0x04) && extension !== '.json')) {
    return `is a Keras .keras archive, not a TF.js model.json; save the model as HDF5 in Keras (model.save("model.h5")), convert that: ${TO_LAYERS}, ${NAME_IT}`;
  }
  if (extension === '.onnx') return 'is an ONNX file: name it as model: {onnx: …} instead of model.path';
  if (extension === '.pb') {
    return `is a TensorFlow graph (.pb), which has no layers to prune; convert the Keras model it came from: ${TO_LAYERS} (or --input_format keras_saved_model for a Keras SavedModel folder), ${NAME_IT}`;
  }
  return null;
}

const GRAPH_MODEL =
  'is a TF.js graph model (a frozen graph of ops, no layers), which prune-run cannot train or prune; ' +
  `convert the Keras model it came from into a layers model: ${TO_LAYERS} (or --input_format keras_saved_model for a Keras SavedModel folder), ${NAME_IT}`;

/** The bytes a weight takes in the weight data, or the problem with its spec. */
function specBytes(spec: unknown, index: number): { spec: WeightSpecJson; bytes: number } | { problem: string } {
  if (!isRecord(spec)) return { problem: `weightsManifest weight ${index} is not an object` };
  const { name, shape, dtype = 'float32', quantization } = spec;
  if (typeof name !== 'string') return { problem: `weightsManifest weight ${index} has no name` };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    return { problem: `weight "${name}" has shape ${JSON.stringify(shape)}; a shape is a list of sizes ≥ 0` };
  }
  const valueBytes = typeof dtype === 'string' ? DTYPE_BYTES[dtype] : undefined;
  if (typeof dtype !== 'string' || valueBytes === undefined) {
    return { problem: `weight "${name}" has dtype ${JSON.stringify(dtype)}; a layers model's weights are ${Object.keys(DTYPE_BYTES).join(', ')}` };
  }
  let size = valueBytes;
  if (quantization !== undefined) {
    const quantized = isRecord(quantization) ? quantization.dtype : undefined;
    const quantizedBytes = typeof quantized === 'string' ? QUANTIZED_BYTES[quantized] : undefined;
    if (quantizedBytes === undefined) {
      return { problem: `weight "${name}" is quantized as ${JSON.stringify(quantized)}; TF.js quantizes to ${Object.keys(QUANTIZED_BYTES).join(', ')}` };
    }
    size = quantizedBytes;
  }
  const dims = shape as number[];
  const checked: WeightSpecJson = { name, shape: dims, dtype, ...(isRecord(quantization) ? { quantization } : {}) };
  return { spec: checked, bytes: dims.reduce((n, d) => n * d, 1) * size };
}

/** The weight file a manifest path names, inside `realDir`, with its size; or why not. */
async function weightFile(given: unknown, dir: string, realDir: string): Promise<WeightFile | { problem: string }> {
  if (typeof given !== 'string' || given === '') return { problem: `weightsManifest has a path ${JSON.stringify(given)}; paths are file names relative to model.json` };
  const keep = "weight files must be inside model.json's folder";
  if (/^[a-z][a-z0-9+.-]+:/i.test(given)) return { problem: `weightsManifest path "${given}" is a URL; ${keep}` };
  if (path.isAbsolute(given) || given.startsWith('\\')) return { problem: `weightsManifest path "${given}" is an absolute path; ${keep}` };
  const asked = path.resolve(dir, given);
  let real: string;
  try {
    real = await realpath(asked);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    return { problem: missing ? `weight file "${given}" (weightsManifest) does not exist (looked for ${asked})` : `cannot read weight file "${given}": ${code ?? String(error)}` };
  }
  const inside = path.relative(realDir, real);
  if (inside === '' || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    const through = real === asked ? '' : ' through a symlink';
    return { problem: `weightsManifest path "${given}" leads${through} to ${real}, outside the model's folder ${realDir}; ${keep}` };
  }
  try {
    const { handle, size } = await openRegularFile(real);
    await handle.close();
    return { path: given, file: real, bytes: size };
  } catch (error) {
    if (error instanceof FileRefusedError) return { problem: `weight file "${given}" ${refusalText(error.refusal)}` };
    throw error;
  }
}

/** model.json's bytes, or why they are not read (not a regular file, too large, a Keras file). */
async function readModelJson(file: string): Promise<{ bytes: Uint8Array } | { problem: string }> {
  try {
    const { handle, size } = await openRegularFile(file);
    try {
      const head = new Uint8Array(Math.min(size, 8));
      await readInto(handle, head);
      const foreign = foreignFormat(file, head);
      if (foreign !== null) return { problem: foreign };
      if (size > MAX_MODEL_JSON_BYTES) {
        return { problem: `is ${formatBytes(size)}, more than the ${formatBytes(MAX_MODEL_JSON_BYTES)} a model.json may have (it holds no weights)` };
      }
      const bytes = new Uint8Array(size);
      return { bytes: bytes.subarray(0, await readInto(handle, bytes)) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof FileRefusedError) return { problem: refusalText(error.refusal) };
    throw error;
  }
}

/**
 * Checks a model.json and its weight files (see the top of this file). A problem reads after the
 * file's name: "model file "m.json" <problem>".
 */
export async function checkModelFolder(model: Pick<ModelFile, 'path'>): Promise<ModelFolderCheck> {
  const fail = (problem: string): ModelFolderCheck => ({ ok: false, problem });
  const read = await readModelJson(model.path);
  if ('problem' in read) return fail(read.problem);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(read.bytes));
  } catch (error) {
    return fail(`cannot be read as JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed)) return fail('is not a TF.js model.json (not a JSON object)');
  if (parsed.format === 'graph-model') return fail(GRAPH_MODEL);
  if (!isRecord(parsed.modelTopology)) return fail('is not a TF.js LayersModel (no modelTopology); convert it with tensorflowjs_converter --input_format keras');
  if (topologyLayers(parsed.modelTopology) === null) return fail(Array.isArray(parsed.modelTopology.node) ? GRAPH_MODEL : 'has a modelTopology without a layer list');
  const manifest: unknown = parsed.weightsManifest ?? [];
  if (!Array.isArray(manifest)) return fail('has a weightsManifest that is not a list');
  const groups = manifest as unknown[];

  const dir = path.dirname(path.resolve(model.path));
  const realDir = await realpath(dir);
  const specs: WeightSpecJson[] = [];
  const seen = new Set<string>();
  const weightFiles: WeightFile[] = [];
  let weightBytes = 0;
  for (const [g, group] of groups.entries()) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      return fail(`has a weightsManifest entry (${g}) without its paths and weights lists`);
    }
    const [paths, weights] = [group.paths as unknown[], group.weights as unknown[]];
    let needed = 0;
    for (const spec of weights) {
      const sized = specBytes(spec, specs.length);
      if ('problem' in sized) return fail(`lists a bad weight: ${sized.problem}`);
      // TF.js would load one of the two and leave the other's bytes to shift every weight after it.
      if (seen.has(sized.spec.name)) return fail(`lists weight "${sized.spec.name}" more than once in its weightsManifest`);
      seen.add(sized.spec.name);
      specs.push(sized.spec);
      needed += sized.bytes;
      if (weightBytes + needed > MAX_MODEL_WEIGHT_BYTES) {
        return fail(`lists weights of more than ${formatBytes(MAX_MODEL_WEIGHT_BYTES)}, the most prune-run loads (at weight "${sized.spec.name}")`);
      }
    }
    const files: WeightFile[] = [];
    for (const given of paths) {
      const found = await weightFile(given, dir, realDir);
      if ('problem' in found) return fail(`names a weight file it cannot use: ${found.problem}`);
      files.push(found);
    }
    const held = files.reduce((sum, f) => sum + f.bytes, 0);
    if (held !== needed) {
      const names = files.map((f) => `"${f.path}"`).join(', ');
      const which = files.length === 1 ? `weight file ${names} holds` : `weight files ${names} hold`;
      const why = held < needed ? 'truncated, or not these weights' : 'not these weights, or more than them';
      return fail(`lists weights that need ${formatBytes(needed)} (dtype × shape of its ${weights.length} weights), but its ${which} ${formatBytes(held)}: ${why}`);
    }
    weightFiles.push(...files);
    weightBytes += needed;
  }
  return { ok: true, folder: { topology: parsed.modelTopology, specs, weightFiles, weightBytes, json: read.bytes } };
}

/**
 * The weight data of a checked folder: every file, in manifest order, read into one buffer, each
 * no further than its checked size. A file that changed since (another size, not a regular file)
 * is a problem.
 */
export async function readModelWeights(folder: CheckedModelFolder): Promise<{ data: ArrayBuffer } | { problem: string }> {
  const data = new Uint8Array(folder.weightBytes);
  let at = 0;
  for (const weight of folder.weightFiles) {
    let opened: OpenedFile;
    try {
      opened = await openRegularFile(weight.file);
    } catch (error) {
      if (error instanceof FileRefusedError) return { problem: `weight file "${weight.path}" ${refusalText(error.refusal)}` };
      throw error;
    }
    try {
      const got = opened.size === weight.bytes ? await readInto(opened.handle, data.subarray(at, at + weight.bytes)) : opened.size;
      if (got !== weight.bytes) return { problem: `weight file "${weight.path}" changed since it was checked (${formatBytes(weight.bytes)} then, ${formatBytes(got)} now)` };
    } finally {
      await opened.handle.close();
    }
    at += weight.bytes;
  }
  return { data: data.buffer };
}
