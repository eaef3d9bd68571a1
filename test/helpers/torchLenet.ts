/**
 * The torch LeNet fixture's side in TS (test/fixtures/torch/generate_lenet.py): the same formula
 * weights and images, and the built-in TF.js LeNet loaded with those weights through the torch
 * layout conversion under test.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { buildLenet } from '../../src/engine/lenet.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { fromTorchLayout } from '../../src/prune/torchLayout.js';

export const TORCH_FIXTURES = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));

export interface LenetFixture {
  readonly amounts: Record<string, number>;
  readonly pruned: Record<string, number>;
  readonly outputs: { readonly dense: number[][]; readonly pruned: number[][] };
}

export const lenetFixture = (): LenetFixture => JSON.parse(readFileSync(`${TORCH_FIXTURES}lenet.json`, 'utf8')) as LenetFixture;

/** generate_lenet.py's formula_weights: n entries in torch layout, distinct magnitudes. */
export function formulaWeights(n: number, fanIn: number): Float32Array {
  const bound = 1 / fanIn ** 0.5;
  return Float32Array.from({ length: n }, (_, i) => (((i * 7919) % n) + 1) / n * bound * ((i * 31) % 7 < 3 ? -1 : 1));
}

/** generate_lenet.py's formula_images, as TF.js takes them: [4, 28, 28, 1] (one channel: same order). */
export function formulaImages(): tf.Tensor4D {
  const values = Float32Array.from({ length: 4 * 784 }, (_, j) => ((j * 37) % 256) / 255);
  return tf.tensor4d(values, [4, 28, 28, 1]);
}

/** Torch's shape of a TF.js LeNet parameter. */
function torchShapeOf(tfjsShape: readonly number[]): number[] {
  return tfjsShape.length === 4 ? [tfjsShape[3]!, tfjsShape[2]!, tfjsShape[0]!, tfjsShape[1]!] : tfjsShape.length === 2 ? [tfjsShape[1]!, tfjsShape[0]!] : [...tfjsShape];
}

/** The built-in LeNet holding the fixture's torch weights, converted to TF.js layout. */
export function torchWeightedLenet(): tf.Sequential {
  const model = buildLenet(1);
  for (const layer of model.layers) {
    const weights = layer.weights; // variables: their shapes, not their values
    if (weights.length === 0) continue;
    const fanIn = weights[0]!.shape.slice(0, -1).reduce((a: number, b) => a * b!, 1);
    const converted = weights.map((weight, index) => {
      const size = weight.shape.reduce((a: number, b) => a * b!, 1);
      const name = `${layer.name}/${index === 0 ? 'kernel' : 'bias'}`;
      const info = LENET_DESCRIPTION.torch![name]!;
      const torchShape = torchShapeOf(weight.shape as number[]);
      const kind = index === 1 ? 'same' : weight.shape.length === 4 ? 'conv2d' : 'dense';
      const values = formulaWeights(size, fanIn);
      const laid = fromTorchLayout(kind, values, torchShape, info);
      return tf.tensor(laid.values, laid.shape);
    });
    layer.setWeights(converted);
    tf.dispose(converted);
  }
  return model;
}
