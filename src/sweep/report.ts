/**
 * A sweep's report, from its points' finished run folders wherever they ran (one machine, or CI
 * shards whose folders were gathered): one row per point — the values it was run with, its final
 * accuracy, sparsity, nonzero parameters and size — and which points are Pareto-optimal, for each
 * of three trade-offs: accuracy against sparsity, against nonzero parameters, against size on disk
 * (gzipped). The rows are in a fixed order (by their values), so the report of a sweep does not
 * depend on the order its folders were given in or the shards they came from.
 */
import type { ComparedRun } from '../compare/types.js';

export const SWEEP_REPORT_VERSION = 1;

export interface SweepPointResult {
  /** The run folder as given. */
  readonly folder: string;
  readonly runId: string;
  /** The point's hyperparameters: its seed, then each --set value by path. */
  readonly hparams: Readonly<Record<string, unknown>>;
  readonly accuracy: { readonly beforePruning: number | null; readonly final: number | null };
  /** Over every trainable parameter of the final model; null when the run did not export it. */
  readonly sparsity: number | null;
  readonly parameters: number | null;
  readonly nonzeros: number | null;
  /** model.json + weights.bin, gzipped. */
  readonly gzippedBytes: number | null;
  /** On the Pareto front of accuracy against each measure. */
  readonly pareto: { readonly sparsity: boolean; readonly nonzeros: boolean; readonly size: boolean };
}

export interface SweepReport {
  readonly version: typeof SWEEP_REPORT_VERSION;
  readonly name: string;
  /** The hyperparameters whose values differ between points (the others are the same for all). */
  readonly varying: readonly string[];
  readonly points: readonly SweepPointResult[];
}

/** A run's hyperparameters: its seed and its --set values by path (a later one of a path wins). */
export function hparamsOfRun(run: ComparedRun): Map<string, unknown> {
  return new Map<string, unknown>([['seed', run.summary.seed], ...run.summary.recipe.overrides.map((o): [string, unknown] => [o.path, o.value])]);
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [JSON.stringify(a) ?? '', JSON.stringify(b) ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Which of `values` (accuracy, measure) no other beats: none with accuracy and measure at least as
 * good and one of them better. `larger`: whether a larger measure is better. Missing values are never on the front.
 */
export function paretoFront(values: readonly { accuracy: number | null; measure: number | null }[], larger: boolean): boolean[] {
  const better = (a: number, b: number) => (larger ? a > b : a < b);
  return values.map((p, i) => {
    const { accuracy, measure } = p;
    if (accuracy === null || measure === null) return false;
    return !values.some((q, j) => {
      if (j === i || q.accuracy === null || q.measure === null) return false;
      const noWorse = q.accuracy >= accuracy && (q.measure === measure || better(q.measure, measure));
      return noWorse && (q.accuracy > accuracy || better(q.measure, measure));
    });
  });
}

export function buildSweepReport(name: string, runs: readonly ComparedRun[]): SweepReport {
  const withParams = runs.map((run) => ({ run, hparams: hparamsOfRun(run) }));
  const keys = [...new Set(withParams.flatMap((r) => [...r.hparams.keys()]))];
  const varying = keys.filter((k) => new Set(withParams.map((r) => JSON.stringify(r.hparams.get(k) ?? null))).size > 1);
  // Points in the order of their values (the first varying path first), so folders given in any order give one report.
  const order = [...varying, ...keys.filter((k) => !varying.includes(k))];
  withParams.sort((a, b) => {
    for (const key of order) {
      const c = compareValues(a.hparams.get(key) ?? null, b.hparams.get(key) ?? null);
      if (c !== 0) return c;
    }
    return a.run.summary.runId < b.run.summary.runId ? -1 : 1;
  });
  const measures = withParams.map(({ run }) => {
    const s = run.summary;
    return {
      accuracy: s.accuracy.final,
      sparsity: s.globalSparsity.model?.sparsity ?? null,
      parameters: s.size?.parameters ?? null,
      nonzeros: s.size?.nonzeros ?? null,
      gzippedBytes: s.size?.denseGzippedBytes ?? null,
    };
  });
  const fronts = {
    sparsity: paretoFront(measures.map((m) => ({ accuracy: m.accuracy, measure: m.sparsity })), true),
    nonzeros: paretoFront(measures.map((m) => ({ accuracy: m.accuracy, measure: m.nonzeros })), false),
    size: paretoFront(measures.map((m) => ({ accuracy: m.accuracy, measure: m.gzippedBytes })), false),
  };
  return {
    version: SWEEP_REPORT_VERSION,
    name,
    varying,
    points: withParams.map(({ run, hparams }, i) => {
      const m = measures[i]!;
      return {
        folder: run.label,
        runId: run.summary.runId,
        hparams: Object.fromEntries(hparams),
        accuracy: { beforePruning: run.summary.accuracy.beforePruning, final: m.accuracy },
        sparsity: m.sparsity,
        parameters: m.parameters,
        nonzeros: m.nonzeros,
        gzippedBytes: m.gzippedBytes,
        pareto: { sparsity: fronts.sparsity[i]!, nonzeros: fronts.nonzeros[i]!, size: fronts.size[i]! },
      };
    }),
  };
}
