/**
 * Whether a backend promises that rerunning a recipe (same seed, backend and package versions)
 * gives byte-identical masks and weights and the same metrics. Every random choice comes from the
 * recipe's seed on every backend; what differs is whether the kernels sum in a fixed order.
 */
import type { BackendName } from '../recipe/types.js';
import type { DeterminismEntry } from './record.js';

export function determinismOf(backend: BackendName, gradientShards: number | null): DeterminismEntry {
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
