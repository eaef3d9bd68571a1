/**
 * torch's own example of a custom pruning method (torch.nn.utils.prune's docs, "Extending
 * torch.nn.utils.prune with custom pruning functions"):
 *
 *   class FooBarPruningMethod(prune.BasePruningMethod):
 *       """Prune every other entry in a tensor"""
 *       PRUNING_TYPE = 'unstructured'
 *       def compute_mask(self, t, default_mask):
 *           mask = default_mask.clone()
 *           mask.view(-1)[::2] = 0
 *           return mask
 *
 * Kind 'unstructured': prune-run (as torch's PruningContainer) hands it only the still-unpruned
 * entries, as one flat vector, so applied after an earlier pruning it prunes every other entry
 * of what is left, not of the whole tensor.
 *
 * Loaded only with `prune-run --allow-plugins` (or allowPlugins: true in the project config).
 */
import type { PruningPlugin } from 'prune-run';

const everyOther: PruningPlugin = {
  name: 'every_other',
  kind: 'unstructured',
  computeMask(_importance, defaultMask) {
    const mask = Uint8Array.from(defaultMask); // a new mask, as torch's default_mask.clone()
    for (let i = 0; i < mask.length; i += 2) mask[i] = 0;
    return mask;
  },
};

export default everyOther;
