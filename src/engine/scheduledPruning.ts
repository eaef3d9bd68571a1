/**
 * Scheduled pruning inside a training task: the plan's mask updates (plan/scheduled.ts) applied
 * before the steps they name. Each update prunes, through the same library calls as a one-shot
 * stage, exactly the entries (structured: channels) that bring each parameter — or for a global
 * step the pool — to the update's sparsity, so the result after every update is round(s · n)
 * pruned whatever the rounding of the updates before it.
 */
import type * as tf from '@tensorflow/tfjs';
import { masksOf } from '../api/index.js';
import type { ScheduledGroup } from '../plan/types.js';
import { countToReach, prunedUnits, type MaskSet, type PrunedUnits } from '../prune/index.js';
import type { MethodSpec } from '../methods/index.js';
import { SeededRandom } from '../util/random.js';
import { applyGroup } from './pruneTask.js';

/** One applied mask update, for metrics.jsonl and the report. */
export interface MaskUpdateResult {
  /** The training step it came before (0-based; the task's step count: after the last). */
  readonly step: number;
  /** The epoch the step belongs to (1-based; the last epoch for an update after the last step). */
  readonly epoch: number;
  /** Which of the task's scheduled groups (its index in the plan). */
  readonly group: number;
  readonly parameters: readonly string[];
  /** The schedule's sparsity for this update, and what the group's parameters have now. */
  readonly target: number;
  readonly sparsity: number;
  /** Entries the update pruned (structured: entries of the channels it pruned). */
  readonly newlyPruned: number;
}

function withCount(spec: MethodSpec, count: number): MethodSpec {
  if (!('amount' in spec)) throw new Error(`a scheduled ${spec.method} step has no amount (the planner allows none)`);
  return { ...spec, amount: { count } };
}

export class ScheduledPruner {
  /** Per group: the index of its next update. */
  private readonly next: number[];

  constructor(
    private readonly model: tf.LayersModel,
    private readonly scheduled: readonly ScheduledGroup[],
    private readonly stepsPerEpoch: number,
    private readonly epochs: number,
  ) {
    this.next = scheduled.map(() => 0);
  }

  /** Whether any update is due at or before `step`. */
  dueAt(step: number): boolean {
    return this.scheduled.some((s, i) => (s.updates[this.next[i]!]?.step ?? Infinity) <= step);
  }

  /** Passes over the updates due before `step` without applying them: a resumed training's masks hold them already. */
  skipBefore(step: number): void {
    this.scheduled.forEach((scheduled, i) => {
      while ((scheduled.updates[this.next[i]!]?.step ?? Infinity) < step) this.next[i]!++;
    });
  }

  /** Applies every update due at or before `step`, in group order; returns what each did. */
  applyDue(step: number): MaskUpdateResult[] {
    const results: MaskUpdateResult[] = [];
    this.scheduled.forEach((scheduled, i) => {
      for (let update = scheduled.updates[this.next[i]!]; update !== undefined && update.step <= step; update = scheduled.updates[this.next[i]!]) {
        results.push(this.apply(scheduled, i, update.step, update.sparsity));
        this.next[i]!++;
      }
    });
    return results;
  }

  /** Pruned entries (axis null) or channels of `name` in the `masks` snapshot; untracked: none pruned. */
  private units(masks: MaskSet, name: string, axis: number | null): PrunedUnits {
    const state = masks.get(name);
    return prunedUnits(state?.mask ?? null, state?.shape ?? this.shapeOf(name), axis, name);
  }

  private shapeOf(name: string): readonly number[] {
    const weight = this.model.weights.find((w) => w.originalName === name);
    if (weight === undefined) throw new Error(`scheduled pruning names '${name}', which the model does not have`);
    return weight.shape.map((d) => d ?? 0);
  }

  /** Entries and pruned entries over `names` together. */
  private entries(masks: MaskSet, names: readonly string[]): PrunedUnits {
    const units = names.map((name) => this.units(masks, name, null));
    return { total: units.reduce((s, u) => s + u.total, 0), pruned: units.reduce((s, u) => s + u.pruned, 0) };
  }

  private apply(scheduled: ScheduledGroup, index: number, step: number, target: number): MaskUpdateResult {
    const { group, scope } = scheduled;
    // One snapshot before (masksOf copies every state): a local update prunes each parameter on
    // its own, so the others' counts in it stay true while the loop runs.
    const masks = masksOf(this.model);
    const before = this.entries(masks, group.parameters);
    // A fresh random stream per update: a random method must not redraw the same order each time.
    const seed = SeededRandom.derive(group.seed, `update:${String(step)}`).nextSeed();
    if (scope === 'global') {
      const count = countToReach(before, target);
      if (count > 0) applyGroup(this.model, { ...group, seed, method: withCount(group.method, count) }, 'global');
    } else {
      for (const name of group.parameters) {
        const count = countToReach(this.units(masks, name, group.planned[name]?.axis ?? null), target);
        if (count > 0) applyGroup(this.model, { ...group, seed, parameters: [name], method: withCount(group.method, count) }, 'local');
      }
    }
    const after = this.entries(masksOf(this.model), group.parameters);
    const epoch = Math.min(Math.floor(step / this.stepsPerEpoch) + 1, this.epochs);
    return {
      step,
      epoch,
      group: index,
      parameters: group.parameters,
      target,
      sparsity: after.total === 0 ? 0 : after.pruned / after.total,
      newlyPruned: after.pruned - before.pruned,
    };
  }
}
