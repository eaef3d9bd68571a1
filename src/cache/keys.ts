/**
 * Cache keys: a task's output is named by what decides it — the task's own resolved
 * configuration (seeds included), the keys of the tasks it depends on, and the engine: prune-run's
 * version, the backend and its version, and the training loop's gradient shards (which fix the
 * summation order). For the tasks at the roots, what they read: the data files' hashes, the model
 * files' hashes. A change anywhere upstream changes every key downstream, and nothing else does:
 * where the files are (their paths, where the recipe names them) decides no number, so two recipes
 * over the same model file, from any folder, share its training.
 */
import { dataSourceKey } from '../data/cacheKey.js';
import type { PlanTask } from '../plan/types.js';
import { sha256Hex } from '../util/sha256.js';

/** Bumped whenever a checkpoint's meaning changes, so old cache entries stop matching. */
export const CACHE_KEY_VERSION = 4;

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
    const dependencies = task.dependsOn.map((id) => {
      const key = this.keys.get(id);
      if (key === undefined) throw new Error(`internal: ${task.id} depends on ${id}, which has no cache key yet`);
      return key;
    });
    const key = sha256Hex(canonicalJson({ version: CACHE_KEY_VERSION, engine: this.engine, task: configOf(task), dependencies, inputs: contentOf(inputs) }));
    this.keys.set(task.id, key);
    return key;
  }
}

/**
 * What of a task's own configuration decides its output. Not its id and dependencies (the keys of
 * those stand for them); for a root task, not where its files are — a model file's path and the
 * recipe location that named it, a data set's file paths: what is in them comes through `inputs`.
 */
function configOf(task: PlanTask): unknown {
  const { id: _id, dependsOn: _dependsOn, ...rest } = task;
  switch (rest.kind) {
    case 'prune':
      // How many cycles a repeated stage has decides nothing a cycle computes (its amount, seed and
      // rewind are its own): cycle 1 of `repeat: 3` is cycle 1 of `repeat: 4`, and is reused.
      return { ...rest, cycle: rest.cycle.index };
    case 'load-model':
      return rest.model.kind === 'builtin' ? rest : { ...rest, model: { kind: rest.model.kind } };
    case 'load-data':
      return { ...rest, data: dataSourceKey(rest.data) };
    case 'sensitivity': {
      // Which stage asked decides nothing it measures: `prune-run sensitivity` and an allocating
      // first stage analysing the same parameters on the same state share one entry.
      const { stage: _stage, ...measured } = rest;
      return measured;
    }
    default:
      return rest;
  }
}

/** Names of where a file is, in what a root task read (model and data identities; an ONNX model's `onnx`): not part of a key. */
const LOCATION_FIELDS = new Set(['path', 'onnx', 'file']);

/**
 * What a root task read, by content only: the identities list each file with its location and
 * its sha256, in the order read (model.json, then its weight files; train images, train labels,
 * test images, test labels), so the hashes alone keep which file is which.
 */
export function contentOf(inputs: unknown): unknown {
  if (Array.isArray(inputs)) return inputs.map(contentOf);
  if (inputs === null || typeof inputs !== 'object') return inputs;
  return Object.fromEntries(
    Object.entries(inputs as Record<string, unknown>)
      .filter(([field]) => !LOCATION_FIELDS.has(field))
      .map(([field, value]) => [field, contentOf(value)]),
  );
}
