/**
 * What a model costs (parameters or multiply-adds) as a function of how many channels each of its
 * channel axes keeps: the arithmetic group pruning to a target runs on. Pure numbers, no model.
 *
 * A unit is one channel axis of one layer ('conv1/out', 'fc1/in'), with its full size. A term is a
 * cost that scales with the fraction kept of some units: a conv kernel's parameters scale with its
 * output units and its input rows (both pruned leave (kept in)·(kept out) of the entries), a batch
 * norm's gamma with its output units, a kernel's MACs likewise; a term with no units is a cost no
 * channel removal changes. Removing one channel of a group takes `perChannel[k]` indices from each
 * unit the group owns (a conv2 channel takes 25 rows of fc1 through a 5×5 flatten).
 */

export interface CostTerm {
  /** The cost with every unit whole. */
  readonly base: number;
  /** The units whose kept fractions multiply it. */
  readonly units: readonly string[];
}

/** A unit a group's channels own indices of: perChannel[k] is how many channel k holds. */
export interface OwnedUnit {
  readonly unit: string;
  readonly perChannel: readonly number[];
}

export interface CostModel {
  /** Each unit's full size. */
  readonly units: ReadonlyMap<string, number>;
  readonly terms: readonly CostTerm[];
}

/** The cost with `kept` indices left in each unit (a unit absent from `kept` is whole). */
export function costOf(model: CostModel, kept: ReadonlyMap<string, number>): number {
  let cost = 0;
  for (const term of model.terms) {
    let value = term.base;
    for (const unit of term.units) value *= (kept.get(unit) ?? model.units.get(unit)!) / model.units.get(unit)!;
    cost += value;
  }
  // Fractions of integers: round off the float noise so that counts compare exactly.
  return Math.round(cost * 1e6) / 1e6;
}

/** The cost with every unit whole. */
export function denseCost(model: CostModel): number {
  return model.terms.reduce((sum, term) => sum + term.base, 0);
}

/** `kept` after channel k of a group with these units goes (a new map). */
export function withoutChannel(kept: ReadonlyMap<string, number>, model: CostModel, owned: readonly OwnedUnit[], channel: number): Map<string, number> {
  const next = new Map(kept);
  for (const { unit, perChannel } of owned) next.set(unit, (next.get(unit) ?? model.units.get(unit)!) - perChannel[channel]!);
  return next;
}
