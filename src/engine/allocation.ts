/**
 * `allocate: sensitivity` on a global step: the step's total, split into per-parameter counts
 * from the curves of the analysis that ran just before it (prune/allocation.ts does the maths),
 * then each parameter pruned on its own by |w| with its count. The counts add up to exactly what
 * the global step would prune: its amount of all the selected entries still unpruned.
 */
import type * as tf from '@tensorflow/tfjs';
import { masksOf } from '../api/index.js';
import { EngineError } from '../errors.js';
import type { PruneGroup, PruneTask } from '../plan/types.js';
import { allocateBySensitivity, type AllocationOutcome } from '../prune/allocation.js';
import { entriesToPrune, sparsityOf } from '../prune/index.js';
import type { SensitivityResult } from './sensitivity/analysis.js';

export type { AllocationOutcome } from '../prune/allocation.js';

/** Per-parameter counts for an allocating group, from `analysis` (the curves of its parameters on the current state). */
export function allocateGroup(model: tf.LayersModel, group: PruneGroup, analysis: SensitivityResult, analysisId: string): AllocationOutcome {
  const masks = masksOf(model);
  return allocateFromCurves(group, analysis, analysisId, (name) => {
    const mask = masks.get(name)?.mask;
    return mask === undefined ? 0 : sparsityOf(mask).zeros;
  });
}

/**
 * The same from the curves alone, given how many entries of each parameter are pruned already
 * (what `--dry-run` can say before anything runs, when the analysis is in the stage cache).
 */
export function allocateFromCurves(group: PruneGroup, analysis: SensitivityResult, analysisId: string, prunedBefore: (name: string) => number): AllocationOutcome {
  const curves = group.parameters.map((name) => {
    const curve = analysis.curves.find((c) => c.kind === 'parameter' && c.name === name);
    if (curve === undefined) throw new EngineError('SENSITIVITY_INVALID', `${analysisId} measured no curve for ${name}, which the step allocating from it prunes`);
    const pruned = prunedBefore(name);
    const candidates = curve.size - pruned;
    if (candidates !== curve.candidates) throw new EngineError('SENSITIVITY_INVALID', `${analysisId} analysed ${name} with ${String(curve.candidates)} unpruned entries; it has ${String(candidates)} now`);
    const cap = group.maxSparsityPerLayer ?? null;
    const highest = Math.max(0, ...curve.points.map((p) => p.pruned));
    const allowed = cap === null ? highest : Math.min(highest, Math.max(0, Math.floor(cap * curve.size) - pruned));
    return { name, candidates, maxCount: allowed, points: curve.points.map((p) => ({ count: p.pruned, accuracy: p.accuracy })) };
  });
  const candidates = curves.reduce((sum, c) => sum + c.candidates, 0);
  const amount = 'amount' in group.method ? group.method.amount : { count: 0 };
  const budget = entriesToPrune(amount, candidates, `global step over ${group.parameters.join(', ')}`);
  const baseline = analysis.baseline.accuracy;
  const chosen = allocateBySensitivity(curves, baseline, budget);
  return {
    sensitivity: analysisId,
    budget,
    candidates,
    baseline,
    predictedAccuracy: chosen.predictedTotal,
    parameters: curves.map((c, i) => ({
      name: c.name,
      candidates: c.candidates,
      count: chosen.counts[i]!,
      amount: c.candidates === 0 ? 0 : chosen.counts[i]! / c.candidates,
      predictedAccuracy: chosen.predictedAccuracy[i]!,
    })),
  };
}

/** The allocations of a prune task's groups from the run's analyses (by task id), and what they chose, in group order. */
export function allocatorFor(model: tf.LayersModel, task: PruneTask, analyses: ReadonlyMap<string, SensitivityResult>): { allocate: (group: PruneGroup) => AllocationOutcome; allocations: AllocationOutcome[] } {
  const allocations: AllocationOutcome[] = [];
  const allocate = (group: PruneGroup) => {
    const id = group.allocation?.sensitivity ?? '';
    const analysis = analyses.get(id);
    if (analysis === undefined) throw new EngineError('SENSITIVITY_INVALID', `${task.id} allocates from ${id}, which has no result in this run`);
    const outcome = allocateGroup(model, group, analysis, id);
    allocations.push(outcome);
    return outcome;
  };
  return { allocate, allocations };
}
