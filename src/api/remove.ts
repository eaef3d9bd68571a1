/** torch's prune.remove(module, name): make the pruning permanent and forget its state. */
import type * as tf from '@tensorflow/tfjs';
import { removePruning } from './store.js';
import { resolveTarget } from './target.js';

/**
 * The layer's variable keeps values × mask (with the kept entries as training left them); the
 * mask and the history are dropped, so the parameter is no longer pruned (its zeros
 * stay, but training may move them again). Throws PRUNE_NOT_PRUNED for an unpruned parameter.
 */
export function remove<L extends tf.layers.Layer>(layer: L, param: string): L {
  removePruning(resolveTarget(layer, param));
  return layer;
}
