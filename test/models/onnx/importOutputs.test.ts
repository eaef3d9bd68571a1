/**
 * Models made by torch 1.13 and exported to ONNX (test/fixtures/torch/generate_onnx.py) imported
 * into TF.js: their outputs on the fixture's images equal torch's within 1e-5, with batch norm kept
 * (training=PRESERVE) or folded (the default eval-mode export).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel } from '../../../src/engine/onnxModel.js';
import { formulaImages, TORCH_FIXTURES } from '../../helpers/torchLenet.js';

interface OnnxFixture {
  readonly images: number;
  readonly models: Readonly<Record<string, { readonly outputs?: number[][] }>>;
}

const fixture = JSON.parse(readFileSync(`${TORCH_FIXTURES}onnx.json`, 'utf8')) as OnnxFixture;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each([
  ['lenet', 'lenet'],
  ['resnet', 'resnet'],
  ['resnet_folded', 'resnet'],
  ['separable', 'separable'],
  ['matmul', 'matmul'],
  ['resnet_opset11', 'resnet'],
  ['resnet_opset17', 'resnet'],
  ['separable_opset11', 'separable'],
  ['separable_opset17', 'separable'],
])('%s.onnx', (file, model) => {
  it("gives torch's outputs within 1e-5", async () => {
    const expected = fixture.models[model]?.outputs;
    expect(expected).toBeDefined();
    const imported = await loadOnnxModel({ path: `${TORCH_FIXTURES}${file}.onnx` });
    const images = formulaImages();
    const outputs = imported.predict(images) as tf.Tensor;
    const actual = (await outputs.array()) as number[][];
    tf.dispose([images, outputs]);
    imported.dispose();
    expect(actual).toHaveLength(fixture.images);
    const worst = Math.max(...actual.flatMap((row, i) => row.map((v, j) => Math.abs(v - expected![i]![j]!))));
    expect(worst).toBeLessThan(1e-5);
  });
});
