/**
 * How much to prune, and its conversion to a number of entries exactly as torch does it
 * (torch.nn.utils.prune._compute_nparams_toprune and the two validation helpers).
 *
 * torch tells a fraction from a count by the Python type (float 1.0 = everything, int 1 = one
 * entry). JavaScript has one number type, so the two are separate keys: `{ amount: 0.3 }` or
 * `{ count: 3 }`.
 */
import { PruneError } from '../errors.js';

export type Amount = { readonly amount: number } | { readonly count: number };

/**
 * Python 3's round(): ties go to the even neighbour (2.5 → 2, 3.5 → 4, -2.5 → -2). torch rounds
 * `amount * size` with it, so Math.round (ties up) would prune one entry more in half the tie
 * cases. Non-finite input is returned unchanged (Python raises; callers validate first).
 */
export function pythonRound(x: number): number {
  if (!Number.isFinite(x)) return x;
  // Half-to-even is symmetric, and for x >= 0 the subtraction x - floor(x) is exact (Sterbenz),
  // so the tie test below never misfires on a value that only rounds to .5.
  if (x < 0) {
    const r = -pythonRound(-x);
    return r === 0 ? 0 : r; // no -0
  }
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function formatAmount(amount: Amount): string {
  return 'count' in amount ? `count=${String(amount.count)}` : `amount=${String(amount.amount)}`;
}

/**
 * Checks an Amount on its own, before any tensor is known (torch's _validate_pruning_amount_init),
 * so that a bad recipe fails when the method is built rather than mid-run.
 */
export function validateAmount(amount: Amount, context = 'pruning'): void {
  const hasAmount = 'amount' in amount;
  const hasCount = 'count' in amount;
  if (hasAmount === hasCount) {
    throw new PruneError(
      'PRUNE_AMOUNT_INVALID',
      `${context}: give exactly one of amount (a fraction in [0, 1]) or count (an integer)`,
    );
  }
  if ('count' in amount) {
    const c = amount.count;
    if (!Number.isInteger(c) || c < 0) {
      throw new PruneError(
        'PRUNE_AMOUNT_INVALID',
        `${context}: count=${String(c)} must be a non-negative integer` +
          (Number.isFinite(c) && c > 0 && c < 1 ? ` (for a fraction use amount: ${String(c)})` : ''),
      );
    }
  } else {
    const a = amount.amount;
    if (!(a >= 0 && a <= 1)) {
      throw new PruneError(
        'PRUNE_AMOUNT_INVALID',
        `${context}: amount=${String(a)} must be a fraction in [0, 1]` +
          (Number.isInteger(a) && a > 1 ? ` (for a number of entries use count: ${String(a)})` : ''),
      );
    }
  }
}

/**
 * The number of entries to prune out of `size` candidates (for a parameter that was pruned before,
 * `size` is the number of entries still unpruned, as in torch's container).
 * Throws PruneError naming the parameter, its size and the amount when the amount is invalid or a
 * count exceeds the size. `unit` names what is counted (structured methods count channels).
 */
export function entriesToPrune(amount: Amount, size: number, paramName: string, unit = 'entries'): number {
  const context = `'${paramName}' (${String(size)} prunable ${unit})`;
  validateAmount(amount, context);
  const k = 'count' in amount ? amount.count : pythonRound(amount.amount * size);
  if (k > size) {
    throw new PruneError(
      'PRUNE_AMOUNT_TOO_LARGE',
      `${context}: ${formatAmount(amount)} asks for ${String(k)} ${unit} but only ${String(size)} ${unit} can be pruned`,
    );
  }
  return k;
}

/** The amount as a JSON-able record fragment for history and reports. */
export function describeAmount(amount: Amount): Record<string, number> {
  return 'count' in amount ? { count: amount.count } : { amount: amount.amount };
}
