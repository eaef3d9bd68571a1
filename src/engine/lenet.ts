/**
 * Builds the seed's LeNet in TF.js (see models/lenet.ts for the architecture and names).
 * Initialisation follows torch's defaults for Conv2d and Linear, uniform in ±1/√fan_in for kernel
 * and bias, so that a recipe ported from the seed starts from weights of the same scale; each
 * initialiser gets its own seed derived from the plan's, so a rerun builds identical weights.
 */
import * as tf from '@tensorflow/tfjs';
import { LENET_CLASSES, LENET_INPUT_SHAPE } from '../models/lenet.js';
import { SeededRandom } from '../util/random.js';

export function buildLenet(seed: number): tf.Sequential {
  const random = new SeededRandom(seed);
  const torchDefault = (fanIn: number) => {
    const bound = 1 / Math.sqrt(fanIn);
    return {
      kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: random.nextSeed() }),
      biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: random.nextSeed() }),
    };
  };
  const model = tf.sequential({ name: 'lenet' });
  model.add(
    tf.layers.conv2d({
      name: 'conv1',
      inputShape: [...LENET_INPUT_SHAPE],
      filters: 6,
      kernelSize: 3,
      activation: 'relu',
      ...torchDefault(1 * 3 * 3),
    }),
  );
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, activation: 'relu', ...torchDefault(6 * 3 * 3) }));
  model.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'fc1', units: 120, activation: 'relu', ...torchDefault(400) }));
  model.add(tf.layers.dense({ name: 'fc2', units: 84, activation: 'relu', ...torchDefault(120) }));
  model.add(tf.layers.dense({ name: 'fc3', units: LENET_CLASSES, ...torchDefault(84) }));
  return model;
}
