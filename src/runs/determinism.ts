/**
 * Whether a backend promises that rerunning a recipe (same seed, backend and package versions)
 * gives byte-identical masks and weights and the same metrics. Every random choice comes from the
 * recipe's seed on every backend; what differs is whether the kernels sum in a fixed order.
 */
import type { BackendName } from '../recipe/types.js';
import type { DeterminismEntry } from './record.js';

/**
 * Layers that draw random numbers of their own in training (TF.js's own generator, not the
 * recipe's seed): a run that trains a model with one cannot promise the same bits twice.
 */
export const RANDOM_TRAINING_LAYERS: readonly string[] = ['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout'];

/**
 * `randomLayers`: the names of the layers of RANDOM_TRAINING_LAYERS's classes that the run trains
 * ([] when it trains none, or trains nothing).
 */
export function determinismOf(backend: BackendName, gradientShards: number | null, randomLayers: readonly string[] = []): DeterminismEntry {
  const kernels = kernelDeterminism(backend, gradientShards);
  if (!kernels.promised || randomLayers.length === 0) return kernels;
  return {
    promised: false,
    why:
      `training runs ${randomLayers.length === 1 ? 'layer' : 'layers'} ${randomLayers.map((n) => `'${n}'`).join(', ')}, which draw${randomLayers.length === 1 ? 's' : ''} ` +
      `random numbers from TF.js's own generator, not from the recipe's seed (otherwise: ${kernels.why})`,
  };
}

function kernelDeterminism(backend: BackendName, gradientShards: number | null): DeterminismEntry {
  switch (backend) {
    case 'wasm':
      return {
        promised: true,
        why:
          `wasm: single-threaded kernels` +
          (gradientShards === null ? '' : `, and each batch's gradient summed from ${gradientShards} fixed shards whichever threads compute them`) +
          "; shuffling, initialisation, random pruning and data splits come from the recipe's seed",
      };
    case 'cpu':
      return { promised: true, why: "cpu: single-threaded JavaScript kernels; every random choice comes from the recipe's seed" };
    case 'tensorflow':
      return {
        promised: false,
        why:
          'tensorflow (tfjs-node): multithreaded native kernels may sum in a different order from run to run, so weights can differ ' +
          'in their last bits, and a mask chosen from those weights can differ where two of them are close',
      };
  }
}
