/**
 * ln_structured's norm order as a recipe writes it (a number, inf, -inf, fro, nuc) → the numeric
 * order lnStructured takes, or torch's refusal. torch ranks channels by
 * torch.norm(weight, p=n, dim=<every dim but the pruned one>), and torch.norm accepts the named
 * norms only for some numbers of reduced dims (checked against torch 1.13 by
 * test/fixtures/torch/generate_norms.py):
 *
 *   fro: at most 2 reduced dims, where it is the 2-norm of those entries, so it ranks exactly as
 *        n = 2. A dense kernel pruned along one axis reduces over 1 dim: accepted. A conv2d kernel
 *        reduces over 3: torch raises "Expected at most 2 dimensions".
 *   nuc: exactly 2 reduced dims (a rank-3 tensor). Neither a conv2d kernel (3) nor a dense kernel
 *        (1) qualifies: torch raises "nuclear norm requires a 'dim' argument of size 2". The rank-3
 *        case would need singular values and no supported layer has it, so it is refused too.
 */
import { PruneError } from '../errors.js';
import type { NormSpec } from './spec.js';
import type { NormOrder } from './structured.js';

/**
 * The norm order of ln_structured, declared here where it is read (normOrderFor, formatNorm); the
 * method's spec and options and the API's channel-group options reuse this declaration.
 */
export interface NormOption {
  /** torch.norm's p: a number > 0, 'inf', '-inf', or 'fro' / 'nuc' where torch.norm accepts them. */
  readonly n: NormSpec;
}

/**
 * The numeric norm order for pruning a tensor of rank `reducedDims + 1` along one axis. Throws
 * PruneError (PRUNE_NORM_INVALID) saying why torch refuses it.
 */
export function normOrderFor(n: NormSpec, reducedDims: number, paramName = 'tensor'): NormOrder {
  switch (n) {
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'fro':
      if (reducedDims <= 2) return 2;
      throw new PruneError(
        'PRUNE_NORM_INVALID',
        `'${paramName}': n=fro ranks channels by torch.norm(p='fro') over the other ${String(reducedDims)} dims, ` +
          `which torch refuses for more than 2 dims ("Expected at most 2 dimensions"); ` +
          'n: 2 computes the same norm and is accepted',
      );
    case 'nuc':
      throw new PruneError(
        'PRUNE_NORM_INVALID',
        `'${paramName}': n=nuc needs exactly 2 reduced dims (the nuclear norm of a matrix per channel), but pruning ` +
          `this tensor along one axis reduces over ${String(reducedDims)}` +
          (reducedDims === 2
            ? '; prune-run does not implement the nuclear norm (no supported layer has such a weight)'
            : ` (torch raises "nuclear norm requires a 'dim' argument of size 2")`),
      );
    default:
      if (typeof n === 'number' && n > 0) return n;
      throw new PruneError(
        'PRUNE_NORM_INVALID',
        `'${paramName}': norm order n=${String(n)} must be a number > 0, inf, -inf, fro or nuc`,
      );
  }
}

/** How a norm order is written in histories and listings: as the recipe wrote it. */
export function formatNorm(n: NormSpec): string {
  return typeof n === 'number' ? `L${String(n)}` : n === 'inf' || n === '-inf' ? `L${n}` : n;
}
