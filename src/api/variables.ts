/**
 * Reading and writing a parameter's values in its TF.js variable. Kept to these two functions so
 * that tensor lifetimes are handled in one place: the pruning maths runs on typed arrays.
 */
import * as tf from '@tensorflow/tfjs';
import { pruneError } from './codes.js';
import type { Target } from './target.js';

/**
 * The variable's current values. read() hands back the variable's own tensor and dataSync()
 * makes no tensor, so nothing is allocated on the TF.js side. Some backends (cpu) return their own
 * buffer: the pruning state borrows the array (MaskSet.track) and never writes into it.
 */
export function readValues(target: Target): Float32Array {
  const tensor = target.variable.read();
  if (tensor.dtype !== 'float32') {
    throw pruneError('PRUNE_DTYPE_UNSUPPORTED', `'${target.name}' is ${tensor.dtype}; only float32 weights can be pruned`);
  }
  return tensor.dataSync() as Float32Array;
}

/**
 * Replaces the variable's values. LayerVariable.write checks the shape and applies the layer's
 * constraint, as any other update of the weight would; the temporary tensor dies with the tidy
 * (assign shares its data with the variable, so the variable keeps it).
 */
export function writeValues(target: Target, values: Float32Array): void {
  tf.tidy(() => {
    target.variable.write(tf.tensor(values, [...target.shape], 'float32'));
  });
}
