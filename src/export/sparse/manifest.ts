/**
 * Reads and checks a sparse model.json (format.ts) before any payload byte is touched: the
 * layers-model keys, the manifest's format and version (refused when unknown, before anything else
 * in the manifest is interpreted), and a layout in which every tensor's length fits its dtype,
 * shape and encoding, the tensors tile the payload exactly, and their decoded sizes together stay
 * within MAX_MODEL_WEIGHT_BYTES (a bitmask of 2^31 zero entries is 256 MiB on disk but 8 GiB decoded).
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors.js';
import { MAX_MODEL_WEIGHT_BYTES } from '../../models/modelFolder.js';
import { formatBytes } from '../../util/regularFile.js';
import {
  elementCount,
  ITEM_BYTES,
  maskBytes,
  SPARSE_DTYPES,
  SPARSE_ENCODINGS,
  SPARSE_MANIFEST_KEY,
  SPARSE_WEIGHT_GROUPS,
  SPARSE_WEIGHTS_FORMAT,
  SPARSE_WEIGHTS_VERSION,
  type SparseDType,
  type SparseEncoding,
  type SparseTensorEntry,
  type SparseWeightGroup,
  type SparseWeightsManifest,
} from './format.js';

/** model.json as read: what TF.js needs besides the weights, and the manifest. */
export interface SparseModelJson {
  readonly artifacts: Omit<tf.io.ModelArtifacts, 'weightSpecs' | 'weightData'>;
  readonly manifest: SparseWeightsManifest;
}

export function invalid(file: string, message: string): EngineError {
  return new EngineError('SPARSE_MODEL_INVALID', `${file}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function entryAt(file: string, index: number, raw: unknown): SparseTensorEntry {
  if (!isRecord(raw)) throw invalid(file, `tensor ${index} of the manifest is not an object`);
  const { name, dtype, shape, encoding, offset, length, stored, group } = raw;
  if (typeof name !== 'string' || name === '') throw invalid(file, `tensor ${index} has no name`);
  const where = `tensor ${name}`;
  if (!SPARSE_DTYPES.includes(dtype as SparseDType)) {
    throw invalid(file, `${where}: dtype ${JSON.stringify(dtype)} is not one of ${SPARSE_DTYPES.join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount) || !Number.isSafeInteger(elementCount(shape))) {
    throw invalid(file, `${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!SPARSE_ENCODINGS.includes(encoding as SparseEncoding)) {
    throw invalid(file, `${where}: encoding ${JSON.stringify(encoding)} is not one of ${SPARSE_ENCODINGS.join(', ')}`);
  }
  if (!isCount(offset) || !isCount(length)) {
    throw invalid(file, `${where}: offset and length must be non-negative integers, got ${JSON.stringify(offset)} and ${JSON.stringify(length)}`);
  }
  if (group !== undefined && !SPARSE_WEIGHT_GROUPS.includes(group as SparseWeightGroup)) {
    throw invalid(file, `${where}: group ${JSON.stringify(group)} is not one of ${SPARSE_WEIGHT_GROUPS.join(', ')}`);
  }
  const n = elementCount(shape);
  let expected: number;
  if (encoding === 'bitmask') {
    if (dtype !== 'float32') throw invalid(file, `${where}: the bitmask encoding is for float32, not ${String(dtype)}`);
    if (!isCount(stored) || stored > n) throw invalid(file, `${where}: stored must be an integer from 0 to ${n}, got ${JSON.stringify(stored)}`);
    expected = maskBytes(n) + 4 * stored;
  } else {
    if (stored !== undefined) throw invalid(file, `${where}: a raw tensor has no stored count`);
    expected = n * ITEM_BYTES[dtype as SparseDType];
  }
  if (length !== expected) {
    throw invalid(file, `${where}: length ${length} does not match its ${String(encoding)} encoding of ${String(dtype)} [${shape.join(', ')}], which needs ${expected} bytes`);
  }
  return {
    name,
    dtype: dtype as SparseDType,
    shape,
    encoding: encoding as SparseEncoding,
    offset,
    length,
    ...(stored === undefined ? {} : { stored }),
    ...(group === undefined ? {} : { group: group as SparseWeightGroup }),
  };
}

function manifestOf(file: string, raw: unknown): SparseWeightsManifest {
  if (raw === undefined) {
    throw invalid(file, `has no ${SPARSE_MANIFEST_KEY}; it is not a sparse model (a dense model.json loads with tf.loadLayersModel)`);
  }
  if (!isRecord(raw)) throw invalid(file, `${SPARSE_MANIFEST_KEY} is not an object`);
  if (raw.format !== SPARSE_WEIGHTS_FORMAT) {
    throw invalid(file, `${SPARSE_MANIFEST_KEY}.format is ${JSON.stringify(raw.format)}, expected ${JSON.stringify(SPARSE_WEIGHTS_FORMAT)}`);
  }
  if (raw.version !== SPARSE_WEIGHTS_VERSION) {
    throw invalid(file, `${SPARSE_WEIGHTS_FORMAT} version ${JSON.stringify(raw.version)} is not supported (this reader knows version ${SPARSE_WEIGHTS_VERSION})`);
  }
  const { path, byteLength, crc32, tensors } = raw;
  // A bare file name: the manifest must not make a reader open files outside the model's folder.
  if (typeof path !== 'string' || path === '' || path === '.' || path === '..' || /[/\\]/.test(path)) {
    throw invalid(file, `${SPARSE_MANIFEST_KEY}.path must be a file name beside model.json, got ${JSON.stringify(path)}`);
  }
  if (!isCount(byteLength)) throw invalid(file, `${SPARSE_MANIFEST_KEY}.byteLength must be a non-negative integer, got ${JSON.stringify(byteLength)}`);
  if (!isCount(crc32) || crc32 > 0xffffffff) throw invalid(file, `${SPARSE_MANIFEST_KEY}.crc32 must be an unsigned 32-bit integer, got ${JSON.stringify(crc32)}`);
  if (!Array.isArray(tensors)) throw invalid(file, `${SPARSE_MANIFEST_KEY}.tensors must be a list`);

  const entries = tensors.map((t, i) => entryAt(file, i, t));
  const names = new Set<string>();
  let end = 0;
  for (const e of entries) {
    if (names.has(e.name)) throw invalid(file, `tensor ${e.name} appears twice`);
    names.add(e.name);
    if (e.offset + e.length > byteLength) {
      throw invalid(file, `tensor ${e.name}: bytes [${e.offset}, ${e.offset + e.length}) go past the end of ${path} (${byteLength} bytes)`);
    }
    if (e.offset !== end) throw invalid(file, `tensor ${e.name} starts at byte ${e.offset}, expected ${end} (the tensors must follow each other without gaps)`);
    end = e.offset + e.length;
  }
  if (end !== byteLength) throw invalid(file, `the tensors cover ${end} bytes of a ${byteLength}-byte ${path}`);
  // Decoded, every tensor takes its dense size at once: bounded before any byte is read or allocated.
  let dense = 0;
  for (const e of entries) {
    dense += elementCount(e.shape) * ITEM_BYTES[e.dtype];
    if (dense > MAX_MODEL_WEIGHT_BYTES) {
      throw invalid(file, `declares more than ${formatBytes(MAX_MODEL_WEIGHT_BYTES)} of weights once decoded (at tensor ${e.name}, [${e.shape.join(', ')}]), the most prune-run loads`);
    }
  }
  return { format: SPARSE_WEIGHTS_FORMAT, version: SPARSE_WEIGHTS_VERSION, path, byteLength, crc32, tensors: entries };
}

export function parseSparseModelJson(text: string, file: string): SparseModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(file, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(json)) throw invalid(file, 'is not a JSON object');
  if (json.format !== 'layers-model') {
    throw invalid(file, `format is ${JSON.stringify(json.format)}, expected "layers-model"`);
  }
  if (!isRecord(json.modelTopology)) throw invalid(file, 'has no modelTopology object');
  const manifest = manifestOf(file, json[SPARSE_MANIFEST_KEY]);
  const artifacts: SparseModelJson['artifacts'] = {
    modelTopology: json.modelTopology,
    format: 'layers-model',
    ...(typeof json.generatedBy === 'string' ? { generatedBy: json.generatedBy } : {}),
    ...(typeof json.convertedBy === 'string' ? { convertedBy: json.convertedBy } : {}),
    ...(isRecord(json.trainingConfig) ? { trainingConfig: json.trainingConfig as unknown as tf.io.TrainingConfig } : {}),
    ...(isRecord(json.userDefinedMetadata) ? { userDefinedMetadata: json.userDefinedMetadata as Record<string, object> } : {}),
  };
  return { artifacts, manifest };
}
