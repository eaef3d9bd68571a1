/**
 * Turns a checked model.json (manifest.ts) and its payload into the dense artifacts TF.js loads: the
 * standard weight specs and the bytes weights.bin would hold. The payload is checked whole (size,
 * CRC-32) before any tensor is decoded, and each tensor's encoding as it is decoded.
 */
import { crc32 } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { decodeBitmask, decodeBool, decodeRaw4, TensorFormatError } from './codec.js';
import { elementCount, ITEM_BYTES, type SparseTensorEntry } from './format.js';
import { invalid, type SparseModelJson } from './manifest.js';

function decodeTensor(entry: SparseTensorEntry, bytes: Uint8Array, target: DataView, offset: number): void {
  const n = elementCount(entry.shape);
  if (entry.encoding === 'bitmask') decodeBitmask(bytes, n, entry.stored ?? 0, target, offset);
  else if (entry.dtype === 'bool') decodeBool(bytes, target, offset);
  else decodeRaw4(bytes, n, target, offset);
}

export function decodeSparsePayload(model: SparseModelJson, payload: Uint8Array, file: string): tf.io.ModelArtifacts {
  const { manifest } = model;
  if (payload.length !== manifest.byteLength) {
    const what = payload.length < manifest.byteLength ? 'truncated' : 'longer than its manifest says';
    throw invalid(file, `is ${payload.length} bytes but model.json's manifest says ${manifest.byteLength} (${what}, or from another model)`);
  }
  const actual = crc32(payload);
  if (actual !== manifest.crc32) {
    throw invalid(file, `CRC-32 is ${actual} but model.json's manifest says ${manifest.crc32}: the file is corrupt or from another model`);
  }

  const denseLengths = manifest.tensors.map((t) => elementCount(t.shape) * ITEM_BYTES[t.dtype]);
  const dense = new ArrayBuffer(denseLengths.reduce((a, b) => a + b, 0));
  const target = new DataView(dense);
  let at = 0;
  manifest.tensors.forEach((entry, i) => {
    try {
      decodeTensor(entry, payload.subarray(entry.offset, entry.offset + entry.length), target, at);
    } catch (error) {
      if (error instanceof TensorFormatError) throw invalid(file, `tensor ${entry.name}: ${error.message}`);
      throw error;
    }
    at += denseLengths[i] as number;
  });

  const weightSpecs: tf.io.WeightsManifestEntry[] = manifest.tensors.map((t) => ({
    name: t.name,
    shape: [...t.shape],
    dtype: t.dtype,
    ...(t.group === undefined ? {} : { group: t.group }),
  }));
  return { ...model.artifacts, weightSpecs, weightData: dense };
}
