/**
 * What `--dry-run` can say about an allocating step (`allocate: sensitivity`) before anything
 * runs: when the stage cache holds the analysis it allocates from — a `prune-run sensitivity`
 * run of the same state, or an earlier run of the recipe — the amounts it will choose. The keys
 * are the run's own (same engine identity, same root inputs: the data set is read to hash it),
 * so a hit is exactly the analysis the run would reuse. A step whose parameters were pruned by
 * an earlier stage depends on masks only a run knows; its amounts stay "chosen at run time".
 */
import type { BackendRequest } from '../engine/backend/request.js';
import type { AllocationOutcome } from '../engine/allocation.js';
import type { SensitivityResult } from '../engine/sensitivity/analysis.js';
import { TaskKeys } from '../cache/keys.js';
import { CheckpointStore } from '../cache/store.js';
import { loadDataset } from '../data/index.js';
import { RandomStreams } from '../util/random.js';
import type { PruneTask } from '../plan/types.js';
import type { SensitivityEntry } from '../runs/record.js';
import type { PreparedRun } from './prepare.js';
import { engineIdentity, modelFilesOf } from './runContext.js';
import { isCacheable } from './taskCache.js';

export interface KnownAllocationOptions {
  readonly backend: BackendRequest;
  readonly threads?: number | null | undefined;
  /** The shared stage cache; null (--no-cache): nothing is known. */
  readonly cacheDir: string | null;
}

/** Whether a prune task allocates on parameters no earlier stage pruned (their candidates are their sizes). */
function allocatesFromScratch(task: PruneTask): boolean {
  return task.groups.some((g) => g.allocation !== undefined && g.parameters.every((name) => g.planned[name]?.composes !== true));
}

/** The allocations the stage cache already decides, by prune task id; empty when none is known. */
export async function knownAllocations(prepared: PreparedRun, options: KnownAllocationOptions): Promise<Map<string, AllocationOutcome[]>> {
  const known = new Map<string, AllocationOutcome[]>();
  const tasks = prepared.plan.tasks;
  const wanted = tasks.filter((t): t is PruneTask => t.kind === 'prune' && allocatesFromScratch(t));
  if (wanted.length === 0 || options.cacheDir === null) return known;
  // Imported here, not statically: the engine reaches TF.js, which a --dry-run with no allocating step never needs (cli/main.ts).
  const [{ selectBackend }, { allocateFromCurves }, { defaultSharding }] = await Promise.all([
    import('../engine/backend/select.js'),
    import('../engine/allocation.js'),
    import('../engine/train.js'),
  ]);
  const backend = await selectBackend(options.backend);
  const keys = new TaskKeys(engineIdentity(backend, defaultSharding(options.threads ?? undefined)));
  const store = new CheckpointStore(options.cacheDir);
  const analyses = new Map<string, SensitivityResult>();
  for (const task of tasks) {
    if (task.kind === 'load-model') keys.keyOf(task, await modelFilesOf(prepared));
    else if (task.kind === 'load-data') keys.keyOf(task, (await loadDataset(task.data, new RandomStreams(task.seed))).identity);
    else if (isCacheable(task)) keys.keyOf(task);
    if (task.kind === 'sensitivity') {
      const found = await store.read(keys.keyOf(task));
      const entry = found.found ? (found.checkpoint.record.sensitivity?.[0] as SensitivityEntry | undefined) : undefined;
      if (entry !== undefined) {
        const { taskId: _taskId, stage: _stage, ...result } = entry;
        analyses.set(task.id, result);
      }
    }
    if (task.kind !== 'prune' || !wanted.includes(task)) continue;
    const chosen = task.groups.flatMap((group) => {
      const analysis = group.allocation === undefined ? undefined : analyses.get(group.allocation.sensitivity);
      return analysis === undefined || group.allocation === undefined ? [] : [allocateFromCurves(group, analysis, group.allocation.sensitivity, () => 0)];
    });
    if (chosen.length > 0) known.set(task.id, chosen);
    if (task === wanted[wanted.length - 1]) break;
  }
  return known;
}
