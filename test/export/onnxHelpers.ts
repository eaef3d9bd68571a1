/**
 * ONNX export checks: the model's ONNX run by onnxruntime-node on random NCHW images against the
 * TF.js model's predictions on the same images (NHWC), and models with random weights (batch norm
 * statistics included, so that every weight matters).
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { modelToOnnx, type OnnxExportOptions } from '../../src/export/onnx/index.js';
import { SeededRandom } from '../../src/util/random.js';

/** Every weight of the model drawn again: kernels and biases in ±0.5, variances in [0.5, 1.5]. */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const random = new SeededRandom(seed);
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const size = w.shape.reduce((a: number, b) => a * b!, 1);
      const variance = w.originalName.endsWith('moving_variance');
      return tf.tensor(Float32Array.from({ length: size }, () => (variance ? 0.5 + random.nextFloat() : random.nextFloat() - 0.5)), w.shape as number[]);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Random images [n, h, w, c] in [0, 1), and the same as NCHW data for ONNX. */
export function randomImages(shape: readonly [number, number, number], n: number, seed: number): { nhwc: tf.Tensor4D; nchw: Float32Array } {
  const random = new SeededRandom(seed);
  const [h, w, c] = shape;
  const values = Float32Array.from({ length: n * h * w * c }, () => random.nextFloat());
  const nchw = new Float32Array(values.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) nchw[((b * c + k) * h + y) * w + x] = values[((b * h + y) * w + x) * c + k]!;
  return { nhwc: tf.tensor4d(values, [n, h, w, c]), nchw };
}

/** The largest |Δ| between the model's outputs and its ONNX export's on `n` random images. */
export async function onnxDifference(model: tf.LayersModel, options: OnnxExportOptions = {}, n = 3): Promise<number> {
  const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const { nhwc, nchw } = randomImages(shape, n, 11);
  const expected = tf.tidy(() => (model.predict(nhwc) as tf.Tensor).dataSync().slice());
  nhwc.dispose();
  const session = await ort.InferenceSession.create(modelToOnnx(model, options));
  try {
    const result = await session.run({ input: new ort.Tensor('float32', nchw, [n, shape[2], shape[0], shape[1]]) });
    const got = result.output!.data as Float32Array;
    expect(got.length).toBe(expected.length);
    return Math.max(...Array.from(expected, (v, i) => Math.abs(v - got[i]!)));
  } finally {
    await session.release();
  }
}
