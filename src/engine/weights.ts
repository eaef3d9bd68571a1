/**
 * Access to a LayersModel's weights by their TF.js names (`conv1/kernel`). TF.js makes variable
 * names unique per process (`conv1/kernel_1` for a second model); `originalName` is the name the
 * model was built or saved with, which is the one recipes, masks and model.json use.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors.js';

export type WeightVariable = tf.LayersModel['weights'][number];

export function weightsByName(model: tf.LayersModel): Map<string, WeightVariable> {
  return new Map(model.weights.map((w) => [w.originalName, w]));
}

export function weightNamed(model: tf.LayersModel, name: string): WeightVariable {
  const variable = weightsByName(model).get(name);
  if (variable === undefined) {
    throw new EngineError('UNKNOWN_WEIGHT', `the model has no weight named ${name}`);
  }
  return variable;
}

export function readWeight(variable: WeightVariable): Float32Array {
  return tf.tidy(() => variable.read().dataSync() as Float32Array).slice();
}

export function writeWeight(variable: WeightVariable, values: Float32Array): void {
  const tensor = tf.tensor(values, variable.read().shape, 'float32');
  try {
    variable.write(tensor);
  } finally {
    tensor.dispose();
  }
}
