/**
 * Encodes a model as the sparse pair (format.ts): model.json with the topology and the manifest,
 * and the payload. Weight values are never read as numbers, only as bit patterns (codec.ts).
 */
import { crc32 } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors.js';
import { captureArtifacts } from './capture.js';
import { encodeFloat32, encodeRaw4, type EncodedTensor } from './codec.js';
import {
  elementCount,
  ITEM_BYTES,
  SPARSE_DTYPES,
  SPARSE_MANIFEST_KEY,
  SPARSE_WEIGHTS_BIN,
  SPARSE_WEIGHTS_FORMAT,
  SPARSE_WEIGHTS_VERSION,
  type SparseDType,
  type SparseModelFiles,
  type SparseTensorEntry,
  type SparseWeightsManifest,
} from './format.js';

function unsupported(message: string): EngineError {
  return new EngineError('SPARSE_MODEL_UNSUPPORTED', message);
}

function encodeTensor(dtype: SparseDType, source: DataView, offset: number, n: number): EncodedTensor {
  if (dtype === 'float32') return encodeFloat32(source, offset, n);
  if (dtype === 'int32') return { encoding: 'raw', bytes: encodeRaw4(source, offset, n) };
  return { encoding: 'raw', bytes: new Uint8Array(source.buffer, source.byteOffset + offset, n).slice() };
}

/**
 * model.json's text: one top-level key per line and one tensor entry per line, so the manifest
 * reads by eye (and diffs) while the topology stays on one line as TF.js writes it.
 */
function modelJsonText(fields: readonly (readonly [string, unknown])[], manifest: SparseWeightsManifest): string {
  const { tensors, ...head } = manifest;
  const headText = JSON.stringify(head).slice(0, -1);
  const tensorLines = tensors.map((t) => `\n${JSON.stringify(t)}`).join(',');
  const manifestText = `${headText},"tensors":[${tensorLines}${tensors.length === 0 ? '' : '\n'}]}`;
  const lines = fields.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  lines.push(`${JSON.stringify(SPARSE_MANIFEST_KEY)}:${manifestText}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** Encodes artifacts as TF.js's save hands them over (exported for tests of other dtypes). */
export function encodeArtifacts(artifacts: tf.io.ModelArtifacts): SparseModelFiles {
  const { modelTopology, weightSpecs, weightData } = artifacts;
  if (modelTopology === undefined || modelTopology instanceof ArrayBuffer) {
    throw unsupported('the sparse format stores layers models, whose topology is JSON; TF.js gave none');
  }
  if (weightSpecs === undefined || weightData === undefined) throw new EngineError('MODEL_SAVE', 'TF.js produced no weights to save');
  const dense = tf.io.CompositeArrayBuffer.join(weightData);
  const source = new DataView(dense);

  const entries: SparseTensorEntry[] = [];
  const parts: Uint8Array[] = [];
  let denseAt = 0;
  let offset = 0;
  for (const spec of weightSpecs) {
    if (!SPARSE_DTYPES.includes(spec.dtype as SparseDType)) {
      throw unsupported(`weight ${spec.name} has dtype ${spec.dtype}; the sparse format stores ${SPARSE_DTYPES.join(', ')}`);
    }
    if (spec.quantization !== undefined) throw unsupported(`weight ${spec.name} is quantized; the sparse format stores unquantized weights`);
    const dtype = spec.dtype as SparseDType;
    const n = elementCount(spec.shape);
    const denseLength = n * ITEM_BYTES[dtype];
    if (denseAt + denseLength > dense.byteLength) {
      throw new EngineError('MODEL_SAVE', `TF.js's weight data ends before weight ${spec.name}`);
    }
    const encoded = encodeTensor(dtype, source, denseAt, n);
    denseAt += denseLength;
    entries.push({
      name: spec.name,
      dtype,
      shape: [...spec.shape],
      encoding: encoded.encoding,
      offset,
      length: encoded.bytes.length,
      ...(encoded.stored === undefined ? {} : { stored: encoded.stored }),
      ...(spec.group === undefined ? {} : { group: spec.group }),
    });
    parts.push(encoded.bytes);
    offset += encoded.bytes.length;
  }
  if (denseAt !== dense.byteLength) {
    throw new EngineError('MODEL_SAVE', `TF.js's weight data has ${dense.byteLength} bytes but its specs describe ${denseAt}`);
  }

  const weights = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    weights.set(part, at);
    at += part.length;
  }
  const manifest: SparseWeightsManifest = {
    format: SPARSE_WEIGHTS_FORMAT,
    version: SPARSE_WEIGHTS_VERSION,
    path: SPARSE_WEIGHTS_BIN,
    byteLength: weights.length,
    crc32: crc32(weights),
    tensors: entries,
  };
  const fields: [string, unknown][] = [
    ['format', 'layers-model'],
    ['generatedBy', artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`],
    ['convertedBy', 'prune-run'],
    ['modelTopology', modelTopology],
  ];
  if (artifacts.trainingConfig !== undefined) fields.push(['trainingConfig', artifacts.trainingConfig]);
  if (artifacts.userDefinedMetadata !== undefined) fields.push(['userDefinedMetadata', artifacts.userDefinedMetadata]);
  return { json: modelJsonText(fields, manifest), weights };
}

/**
 * Encodes a model's weights: every float32 weight tensor as a bitmask of its nonzero entries plus
 * the nonzero values in order, or raw when that is smaller; int32 and bool weights raw.
 */
export async function encodeSparseModel(model: tf.LayersModel): Promise<SparseModelFiles> {
  return encodeArtifacts(await captureArtifacts(model));
}
