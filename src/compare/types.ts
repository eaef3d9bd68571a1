/**
 * What `prune-run compare` works on and produces. A comparison is plain data: the CLI prints it as
 * a fixed-width table (format.ts) or, with --json, as JSON, so both always say the same.
 */
import type { RunSummary } from '../runs/summary.js';

/** How much a recipe's pruning step asks for, as read from a run's resolved.json. */
export interface StageAmount {
  readonly stage: string;
  /** Which part of the step: `global l1_unstructured`, or a target's method and selector. */
  readonly label: string;
  /** A fraction of the entries (or channels), or a number of entries. */
  readonly kind: 'amount' | 'count';
  readonly value: number;
}

/** One finished run, read from its folder. */
export interface ComparedRun {
  /** The folder as given on the command line. */
  readonly label: string;
  readonly summary: RunSummary;
  readonly amounts: readonly StageAmount[];
}

/** How a row's numbers read: fractions as percentages (differences in points), bytes in KiB. */
export type ComparisonUnit = 'fraction' | 'count' | 'bytes' | 'rate';

export interface ComparisonRow {
  readonly label: string;
  readonly unit: ComparisonUnit;
  /** One per run, in the order given; null where the run has no such value (shown as —). */
  readonly values: readonly (number | null)[];
  /** One per run: its value minus the first run's; null for the first run and where either is missing. */
  readonly differences: readonly (number | null)[];
}

export interface ComparisonSection {
  /** `run` (the headline figures), `stage <name>`, or `parameters (final)`. */
  readonly title: string;
  readonly rows: readonly ComparisonRow[];
}

export interface ComparisonRunInfo {
  /** A, B, C, ...: the table's column names. */
  readonly column: string;
  readonly folder: string;
  readonly runId: string;
  readonly recipeFile: string;
  readonly recipeSha256: string;
  readonly overrides: RunSummary['recipe']['overrides'];
  readonly seed: number;
  readonly backend: string;
  /** The run's `expect:` gates: how many, and the names of those that failed; null when it set none. */
  readonly expectations: { readonly count: number; readonly failed: readonly string[] } | null;
}

export const COMPARISON_VERSION = 1;

export interface Comparison {
  readonly version: typeof COMPARISON_VERSION;
  readonly runs: readonly ComparisonRunInfo[];
  readonly sections: readonly ComparisonSection[];
}
