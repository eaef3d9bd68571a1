/**
 * Cache keys: a task's output is named by what decides it — the task's own resolved
 * configuration (seeds included), the keys of the tasks it depends on, and the engine: prune-run's
 * version, the backend and its version, and the training loop's gradient shards (which fix the
 * summation order). For the tasks at the roots, what they read: the data files' hashes, the model
 * files' hashes. A change anywhere upstream changes every key downstream, and nothing else does.
 */
import { dataSourceKey } from '../data/cacheKey.js';
import type { PlanTask } from '../plan/types.js';
import { sha256Hex } from '../util/sha256.js';

/** Bumped whenever a checkpoint's meaning changes, so old cache entries stop matching. */
export const CACHE_KEY_VERSION = 3;

/** JSON with object keys sorted, so equal data always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export class TaskKeys {
  private readonly keys = new Map<string, string>();

  /** `engine`: what of the engine decides the numbers (version, backend, training loop). */
  constructor(private readonly engine: unknown) {}

  /**
   * The key of `task` from its configuration, its dependencies' keys (each must be keyed already)
   * and `inputs` (what a root task read: file hashes). Remembered for the tasks after it.
   */
  keyOf(task: PlanTask, inputs: unknown = null): string {
    const { id: _id, dependsOn, ...rest } = task;
    // How many cycles a repeated stage has decides nothing a cycle computes (its amount, seed and
    // rewind are its own): cycle 1 of `repeat: 3` is cycle 1 of `repeat: 4`, and is reused.
    // Builtin data files are named by their content (the inputs), not by the folder they were found in.
    const config =
      rest.kind === 'prune' ? { ...rest, cycle: rest.cycle.index } : rest.kind === 'load-data' ? { ...rest, data: dataSourceKey(rest.data) } : rest;
    const dependencies = dependsOn.map((id) => {
      const key = this.keys.get(id);
      if (key === undefined) throw new Error(`internal: ${task.id} depends on ${id}, which has no cache key yet`);
      return key;
    });
    const key = sha256Hex(canonicalJson({ version: CACHE_KEY_VERSION, engine: this.engine, task: config, dependencies, inputs }));
    this.keys.set(task.id, key);
    return key;
  }
}
