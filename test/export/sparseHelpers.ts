/**
 * Helpers shared by the sparse weight-file tests: prune a model in place, read weights and outputs
 * as bit patterns (so -0.0 and NaN payloads are compared exactly), and edit a sparse model.json.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { encodeSparseModel, type SparseModelFiles } from '../../src/export/sparse/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { readWeight, writeWeight } from '../../src/engine/weights.js';

/** Zeroes the round(fraction·n) entries of smallest |w| (ties by index) of every kernel. */
export function pruneKernels(model: tf.LayersModel, fraction: number): void {
  for (const variable of model.weights) {
    if (!variable.originalName.endsWith('/kernel')) continue;
    const values = readWeight(variable);
    const order = Array.from(values.keys()).sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
    for (const i of order.slice(0, Math.round(fraction * values.length))) values[i] = 0;
    writeWeight(variable, values);
  }
}

/** The sparse files of a seed-5 LeNet with 90% of each kernel pruned, on the wasm backend (the tests' usual subject). */
export async function prunedLenetFiles(): Promise<SparseModelFiles> {
  await selectBackend('wasm');
  const model = buildLenet(5);
  pruneKernels(model, 0.9);
  const files = await encodeSparseModel(model);
  model.dispose();
  return files;
}

export function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Every weight's bit pattern by name. */
export function weightBits(model: tf.LayersModel): Record<string, number[]> {
  return Object.fromEntries(model.weights.map((w) => [w.originalName, [...bitsOf(readWeight(w))]]));
}

/** Asserts two models have the same weight names, shapes and bit patterns. */
export function expectSameWeights(actual: tf.LayersModel, expected: tf.LayersModel): void {
  expect(actual.weights.map((w) => [w.originalName, w.shape, w.dtype])).toEqual(
    expected.weights.map((w) => [w.originalName, w.shape, w.dtype]),
  );
  expect(weightBits(actual)).toEqual(weightBits(expected));
}

export function filesBytes(files: { json: string; weights: Uint8Array }): number {
  return Buffer.byteLength(files.json, 'utf8') + files.weights.byteLength;
}

/** The sparse model.json's manifest, parsed, for tests to edit. */
export interface ManifestForEditing {
  format: unknown;
  version: unknown;
  path: unknown;
  byteLength: unknown;
  crc32: unknown;
  tensors: Record<string, unknown>[];
}

/** A copy of the files with model.json's manifest changed by `edit`. */
export function withManifest(files: SparseModelFiles, edit: (manifest: ManifestForEditing) => void): SparseModelFiles {
  const json = JSON.parse(files.json) as { sparseWeightsManifest: ManifestForEditing };
  edit(json.sparseWeightsManifest);
  return { json: JSON.stringify(json), weights: files.weights };
}
