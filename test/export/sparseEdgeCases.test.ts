import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { encodeArtifacts } from '../../src/export/sparse/encode.js';
import { encodeSparseModel, sparseModelHandler, type SparseWeightsManifest } from '../../src/export/sparse/index.js';
import { readWeight, weightNamed, writeWeight } from '../../src/engine/weights.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { bitsOf, expectSameWeights } from './sparseHelpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const NEGATIVE_ZERO = 0x80000000;
const QUIET_NAN = 0x7fc00000;
const NEGATIVE_NAN = 0xffc00000;
const SIGNALLING_NAN = 0x7f800001;
const PAYLOAD_NAN = 0x7fabcdef;
const INFINITY = 0x7f800000;
const NEGATIVE_INFINITY = 0xff800000;
const SUBNORMAL = 0x00000001;
const NEGATIVE_SUBNORMAL = 0x80000001;
const SPECIALS = [NEGATIVE_ZERO, QUIET_NAN, NEGATIVE_NAN, SIGNALLING_NAN, PAYLOAD_NAN, INFINITY, NEGATIVE_INFINITY, SUBNORMAL, NEGATIVE_SUBNORMAL];

const floats = (bits: readonly number[]): Float32Array => new Float32Array(Uint32Array.from(bits).buffer);

function manifestOf(json: string): SparseWeightsManifest {
  return (JSON.parse(json) as { sparseWeightsManifest: SparseWeightsManifest }).sparseWeightsManifest;
}

/** Artifacts as TF.js's save would hand them over: specs and the concatenated dense bytes. */
function artifactsOf(tensors: readonly { spec: tf.io.WeightsManifestEntry; bytes: Uint8Array }[]): tf.io.ModelArtifacts {
  const total = tensors.reduce((n, t) => n + t.bytes.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const t of tensors) {
    data.set(t.bytes, at);
    at += t.bytes.length;
  }
  return {
    modelTopology: { class_name: 'Sequential', config: { name: 'edge', layers: [] } },
    format: 'layers-model',
    weightSpecs: tensors.map((t) => t.spec),
    weightData: data.buffer,
  };
}

const f32 = (name: string, shape: number[], bits: readonly number[]) => ({
  spec: { name, shape, dtype: 'float32' as const },
  bytes: new Uint8Array(Uint32Array.from(bits).buffer),
});

describe('the sparse codec on edge cases', () => {
  // A bool tensor of 7 bytes first, so every later tensor sits at an odd offset in TF.js's buffer.
  const mostlyZero = new Array<number>(1000).fill(0);
  SPECIALS.forEach((bits, k) => (mostlyZero[100 * k + 3] = bits));
  const tensors = [
    { spec: { name: 'flags', shape: [7], dtype: 'bool' as const }, bytes: Uint8Array.from([1, 0, 0, 1, 1, 0, 1]) },
    f32('zeros', [3, 5], new Array<number>(15).fill(0)),
    f32('dense', [2, 3], [...bitsOf(Float32Array.from([1, -2, 3, -4, 5, -6]))]),
    f32('specials', [13], [0, ...SPECIALS, 0, 0, 0]),
    f32('mostlyZero', [10, 100], mostlyZero),
    f32('empty', [0, 4], []),
    f32('scalar', [], [NEGATIVE_ZERO]),
    f32('negativeZeros', [3], [NEGATIVE_ZERO, NEGATIVE_ZERO, NEGATIVE_ZERO]),
    { spec: { name: 'counts', shape: [5], dtype: 'int32' as const }, bytes: new Uint8Array(Int32Array.from([-1, 0, 2 ** 31 - 1, -(2 ** 31), 7]).buffer) },
  ];

  it('round-trips every tensor bit for bit, choosing the smaller encoding', async () => {
    const artifacts = artifactsOf(tensors);
    const files = encodeArtifacts(artifacts);
    const manifest = manifestOf(files.json);
    expect(manifest.tensors.map((t) => [t.name, t.encoding, t.stored, t.length])).toEqual([
      ['flags', 'raw', undefined, 7],
      ['zeros', 'bitmask', 0, 2],
      ['dense', 'raw', undefined, 24],
      ['specials', 'bitmask', SPECIALS.length, 2 + 4 * SPECIALS.length],
      ['mostlyZero', 'bitmask', SPECIALS.length, 125 + 4 * SPECIALS.length],
      ['empty', 'raw', undefined, 0],
      ['scalar', 'raw', undefined, 4],
      ['negativeZeros', 'raw', undefined, 12],
      ['counts', 'raw', undefined, 20],
    ]);
    const loaded = await sparseModelHandler(files).load!();
    expect(loaded.weightSpecs).toEqual(artifacts.weightSpecs);
    expect(new Uint8Array(loaded.weightData as ArrayBuffer)).toEqual(new Uint8Array(artifacts.weightData as ArrayBuffer));
  });

  it('lays a bitmask out as documented: LSB-first mask, then the stored values little-endian in index order', () => {
    const files = encodeArtifacts(artifactsOf([f32('specials', [13], [0, ...SPECIALS, 0, 0, 0])]));
    // Entries 1..9 stored: bits 1-7 of byte 0, bits 0-1 of byte 1.
    expect([...files.weights.subarray(0, 2)]).toEqual([0b1111_1110, 0b0000_0011]);
    const values = new DataView(files.weights.buffer, files.weights.byteOffset + 2);
    expect(SPECIALS.map((_, k) => values.getUint32(4 * k, true))).toEqual(SPECIALS);
    expect(files.weights.length).toBe(2 + 4 * SPECIALS.length);
  });
});

describe('a model with edge-case weights', () => {
  /** 5 → 6 → 3 dense layers: kernels of 30 and 18 entries, biases of 6 and 3 (not multiples of 8). */
  function edgeModel(): tf.LayersModel {
    const model = tf.sequential({ name: 'edge' });
    model.add(tf.layers.dense({ name: 'd1', inputShape: [5], units: 6 }));
    model.add(tf.layers.dense({ name: 'd2', units: 3 }));
    const d1 = new Array<number>(30).fill(0);
    SPECIALS.forEach((bits, k) => (d1[3 * k + 1] = bits));
    writeWeight(weightNamed(model, 'd1/kernel'), floats(d1));
    writeWeight(weightNamed(model, 'd1/bias'), new Float32Array(6));
    writeWeight(weightNamed(model, 'd2/kernel'), Float32Array.from({ length: 18 }, (_, i) => (i - 8.5) / 7));
    writeWeight(weightNamed(model, 'd2/bias'), floats([NEGATIVE_ZERO, NEGATIVE_ZERO, NEGATIVE_ZERO]));
    return model;
  }

  it('loads back bit for bit: an all-zero bias, a dense kernel, -0.0, NaNs, infinities and subnormals', async () => {
    const model = edgeModel();
    // The reference: TF.js kept every bit pattern written (else the comparison below would be weaker).
    expect([...bitsOf(readWeight(weightNamed(model, 'd1/kernel')))].filter((b) => b !== 0)).toEqual(SPECIALS);
    expect([...bitsOf(readWeight(weightNamed(model, 'd2/bias')))]).toEqual([NEGATIVE_ZERO, NEGATIVE_ZERO, NEGATIVE_ZERO]);
    const files = await encodeSparseModel(model);
    expect(manifestOf(files.json).tensors.map((t) => [t.name, t.encoding])).toEqual([
      ['d1/kernel', 'bitmask'],
      ['d1/bias', 'bitmask'],
      ['d2/kernel', 'raw'],
      ['d2/bias', 'raw'],
    ]);
    const loaded = await tf.loadLayersModel(sparseModelHandler(files));
    expectSameWeights(loaded, model);
    loaded.dispose();
    model.dispose();
  });

  it('leaves no tensor behind', async () => {
    const model = edgeModel();
    await expectNoTensorLeak(async () => {
      (await tf.loadLayersModel(sparseModelHandler(await encodeSparseModel(model)))).dispose();
    });
    model.dispose();
  });
});
