/**
 * Budgets from sensitivity curves: how many entries each parameter gives so that together they
 * give exactly `budget`, with the least predicted accuracy loss. Pure numbers: curves in, counts out.
 *
 * The prediction: pruning several parameters loses the sum of what each loses alone (the
 * sensitivity analysis measures each alone; Distiller and Li et al. read the curves this way),
 * and between two measured amounts a curve is linear in the count of pruned entries.
 *
 * Why the lower convex hull, taken greedily by slope: minimising Σ loss_i(k_i) subject to
 * Σ k_i = budget is, for convex loss_i, solved exactly by handing out entries in order of their
 * marginal loss (loss per entry); that order is the order of the hull's segment slopes, and the
 * result is the Lagrangian solution (one multiplier λ, each parameter at the point where its
 * slope crosses λ) found without searching for λ. Measured curves are not convex (noise, a knee),
 * and a plain greedy on them stops at the first rise even when a flat stretch follows; the hull
 * sees past it. Every parameter ends on a measured point except at most one, which ends part-way
 * along a hull segment; its predicted loss is read from its own curve, not the hull.
 */
import { PruneError } from '../errors.js';

export interface CurvePoint {
  /** Entries pruned at this point (of the parameter's candidates). */
  readonly count: number;
  /** Accuracy measured with that many pruned. */
  readonly accuracy: number;
}

export interface AllocationCurve {
  readonly name: string;
  /** Measured points, any order; a point at count 0 is the baseline's (added when absent). */
  readonly points: readonly CurvePoint[];
  /** The most this parameter may give (a cap, or its last measured point): counts are never extrapolated. */
  readonly maxCount: number;
}

export interface Allocation {
  /** Per curve, in the order given: entries to prune. */
  readonly counts: readonly number[];
  /** Per curve: the accuracy its curve predicts at that count. */
  readonly predictedAccuracy: readonly number[];
  /** Baseline minus the sum of each curve's predicted loss: the whole model's predicted accuracy. */
  readonly predictedTotal: number;
}

/** What an allocating step chose (engine/allocation.ts): for the record, the reports and --dry-run. */
export interface AllocationOutcome {
  /** The analysis the curves came from (its task id). */
  readonly sensitivity: string;
  /** Entries the step prunes in all, of how many still unpruned. */
  readonly budget: number;
  readonly candidates: number;
  /** The accuracy the analysis measured before the step, and the one the curves predict after it. */
  readonly baseline: number;
  readonly predictedAccuracy: number;
  readonly parameters: readonly {
    readonly name: string;
    readonly candidates: number;
    /** Entries it gives, and that as a fraction of its candidates. */
    readonly count: number;
    readonly amount: number;
    /** What its own curve predicts at that count. */
    readonly predictedAccuracy: number;
  }[];
}

interface Segment {
  readonly curve: number;
  readonly from: number;
  readonly length: number;
  readonly slope: number;
}

/** The curve as (count, loss) points, ascending, unique counts, cut at maxCount (interpolated there). */
function lossPoints(curve: AllocationCurve, baseline: number): { x: number; y: number }[] {
  const sorted = [...curve.points].sort((a, b) => a.count - b.count);
  const points: { x: number; y: number }[] = [];
  if (sorted[0]?.count !== 0) points.push({ x: 0, y: 0 });
  for (const p of sorted) {
    if (!Number.isFinite(p.accuracy) || !Number.isInteger(p.count) || p.count < 0) {
      throw new PruneError('PRUNE_AMOUNT_INVALID', `sensitivity curve of '${curve.name}': a point needs a whole count ≥ 0 and a finite accuracy, got count ${String(p.count)}, accuracy ${String(p.accuracy)}`);
    }
    // The same count is the same pruning: its first measurement stands.
    if (points.length > 0 && points[points.length - 1]!.x === p.count) continue;
    points.push({ x: p.count, y: baseline - p.accuracy });
  }
  const cap = Math.max(0, Math.floor(curve.maxCount));
  const cut: { x: number; y: number }[] = [];
  for (const p of points) {
    if (p.x <= cap) {
      cut.push(p);
      continue;
    }
    const last = cut[cut.length - 1]!;
    if (last.x < cap) cut.push({ x: cap, y: last.y + ((p.y - last.y) * (cap - last.x)) / (p.x - last.x) });
    break;
  }
  return cut;
}

/** The lower convex hull of points ascending in x (Andrew's monotone chain, lower half). */
function lowerHull(points: readonly { x: number; y: number }[]): { x: number; y: number }[] {
  const hull: { x: number; y: number }[] = [];
  for (const p of points) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2]!;
      const b = hull[hull.length - 1]!;
      // Drop b when it lies on or above the line from a to p (collinear points merge).
      if ((b.y - a.y) * (p.x - a.x) >= (p.y - a.y) * (b.x - a.x)) hull.pop();
      else break;
    }
    hull.push(p);
  }
  return hull;
}

/** The loss a curve predicts at `count`: linear between its measured points. */
function lossAt(points: readonly { x: number; y: number }[], count: number): number {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (count <= b.x) return a.y + ((b.y - a.y) * (count - a.x)) / (b.x - a.x);
  }
  return points[points.length - 1]?.y ?? 0;
}

/**
 * Splits `budget` entries over the curves with the least predicted loss (see the header). Ties in
 * marginal loss go to the earlier curve, then to its earlier segment, so the result is fixed.
 * Throws PRUNE_AMOUNT_TOO_LARGE when the curves' max counts together give less than the budget.
 */
export function allocateBySensitivity(curves: readonly AllocationCurve[], baseline: number, budget: number): Allocation {
  if (!Number.isInteger(budget) || budget < 0) throw new PruneError('PRUNE_AMOUNT_INVALID', `allocation budget must be a whole number ≥ 0, got ${String(budget)}`);
  const points = curves.map((c) => lossPoints(c, baseline));
  const available = points.reduce((sum, p) => sum + (p[p.length - 1]?.x ?? 0), 0);
  if (budget > available) {
    throw new PruneError(
      'PRUNE_AMOUNT_TOO_LARGE',
      `the sensitivity curves reach ${String(available)} entries together (${curves.map((c, i) => `${c.name} up to ${String(points[i]![points[i]!.length - 1]?.x ?? 0)}`).join(', ')}) ` +
        `but the step prunes ${String(budget)}; measure higher amounts (allocate.amounts) or lower the step's amount`,
    );
  }
  const segments: Segment[] = [];
  points.forEach((p, curve) => {
    const hull = lowerHull(p);
    for (let i = 1; i < hull.length; i++) {
      const a = hull[i - 1]!;
      const b = hull[i]!;
      segments.push({ curve, from: a.x, length: b.x - a.x, slope: (b.y - a.y) / (b.x - a.x) });
    }
  });
  // Stable: equal slopes keep curve order, and a curve's own segments (strictly rising slopes) their order.
  segments.sort((a, b) => a.slope - b.slope || a.curve - b.curve || a.from - b.from);
  const counts = curves.map(() => 0);
  let left = budget;
  for (const segment of segments) {
    if (left === 0) break;
    const take = Math.min(segment.length, left);
    counts[segment.curve]! += take;
    left -= take;
  }
  const losses = counts.map((count, i) => lossAt(points[i]!, count));
  return {
    counts,
    predictedAccuracy: losses.map((loss) => baseline - loss),
    predictedTotal: baseline - losses.reduce((a, b) => a + b, 0),
  };
}
