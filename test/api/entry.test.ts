/** The package's public entry exports exactly its API, and prune.* is the torch-shaped library. */
import { describe, expect, it } from 'vitest';
import * as entry from '../../src/index.js';

describe('src/index.ts', () => {
  it('exports the prune namespace, the core values, loadRecipe and the errors by name', () => {
    expect(Object.keys(entry).sort()).toEqual(
      [
        'API_ERROR_CODES',
        'BACKEND_REQUESTS',
        'CHANNEL_MEANINGS',
        'DataError',
        'EngineError',
        'GLOBAL_METHODS',
        'METHOD_KINDS',
        'MaskSet',
        'NAMED_NORMS',
        'PRUNE_ERROR_CODES',
        'PlanError',
        'PruneError',
        'PruneRunError',
        'RecipeError',
        'UsageError',
        'WEIGHT_LAYOUTS',
        'compactModel',
        'encodeSparseModel',
        'saveSparseModel',
        'sparseModelFromDir',
        'sparseModelHandler',
        'loadRecipe',
        'masksOf',
        'prepareRun',
        'prune',
        'selectBackend',
        'sparsityOf',
        'tfjsToTorch',
        'torchDimToTfjsAxis',
        'torchToTfjs',
      ].sort(),
    );
  });

  it('prune.* mirrors torch.nn.utils.prune', () => {
    expect(Object.keys(entry.prune).sort()).toEqual(
      [
        'channelGroups',
        'channelGroupsToTarget',
        'customFromMask',
        'globalUnstructured',
        'identity',
        'isPruned',
        'l1Unstructured',
        'lnStructured',
        'lnStructuredGroups',
        'masksOf',
        'parameters',
        'randomStructured',
        'randomUnstructured',
        'remove',
        'semiStructured',
      ].sort(),
    );
    expect(entry.prune.masksOf).toBe(entry.masksOf);
  });
});
