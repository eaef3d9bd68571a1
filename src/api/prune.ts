/**
 * The `prune` namespace of the public API (import { prune } from 'prune-run'), mirroring
 * torch.nn.utils.prune on TF.js layers.
 */
export { l1Unstructured, randomUnstructured, lnStructured, randomStructured, identity, customFromMask, semiStructured } from './methods.js';
export { globalUnstructured } from './global.js';
export { remove } from './remove.js';
export { isPruned, parameters, masksOf } from './inspect.js';
