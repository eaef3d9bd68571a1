/**
 * The run summary: what `prune-run --json` prints on stdout at the end of a run (succeeded,
 * failed or interrupted) and what `prune-run compare` compares. Built from the RunRecord alone
 * plus the run's outcome, by a pure function, so it can be rendered and tested without TF.js.
 *
 * The shape is versioned: RUN_SUMMARY_VERSION changes when a field is removed, renamed or changes
 * meaning; new optional fields may be added within a version. Fractions (accuracy, sparsity) are
 * numbers in [0, 1]; sizes are bytes.
 */
import { stageLabel } from '../plan/taskIds.js';
import type { OverrideRecord } from '../recipe/overrides.js';
import type { CompactEntry, EvaluationEntry, ExpectationResult, RunRecord, SizeEntry, SparseEntry, SparsityFigures } from './record.js';
import type { RunStatus } from './runStatus.js';

export const RUN_SUMMARY_VERSION = 1;

// One `expect:` gate's outcome: name, limit, actual, passed, shortfall and the sentence with the numbers.
export type { ExpectationResult } from './record.js';

/** One pruning stage, after it ran. */
export interface StageSummary {
  readonly name: string;
  readonly scope: 'local' | 'global';
  /** What the stage did, in words (as report.md says it). */
  readonly description: string;
  /** Over every parameter pruned so far, after this stage's pruning. */
  readonly globalSparsity: number;
  /** Each parameter this stage pruned, after the stage. */
  readonly parameters: Readonly<Record<string, SparsityFigures>>;
  /** On the test split right after this stage's pruning, and after its fine-tuning; null when not evaluated. */
  readonly accuracyAfterPruning: number | null;
  readonly accuracyAfterFinetune: number | null;
}

/** A trainable parameter of the final model. */
export interface ParameterSummary {
  readonly name: string;
  readonly shape: readonly number[];
  /** Whether it carries a mask at the end (false: never pruned, or made permanent by remove). */
  readonly pruned: boolean;
  readonly count: number;
  readonly zeros: number;
  readonly sparsity: number;
}

export interface RunSummary extends Pick<RunRecord, 'seed'> {
  readonly version: typeof RUN_SUMMARY_VERSION;
  readonly runId: string;
  /** Absolute path of the run folder (`<id>.partial` unless the run succeeded). */
  readonly folder: string;
  readonly status: RunStatus;
  /** Why the run stopped (as manifest.json says it); null when it succeeded. */
  readonly exitReason: string | null;
  readonly recipe: {
    /** As given on the command line. */
    readonly file: string;
    /** The recipe's identity (the run id's hash): of its text, and of the --set overrides when there are any. */
    readonly sha256: string;
    readonly overrides: readonly OverrideRecord[];
  };
  readonly backend: string;
  readonly accuracy: {
    /** On the test split before the first stage; null when the run did not evaluate then. */
    readonly beforePruning: number | null;
    /** The last evaluation of the run. */
    readonly final: number | null;
    /** beforePruning − final (positive: accuracy was lost); null unless both exist. */
    readonly drop: number | null;
  };
  readonly stages: readonly StageSummary[];
  /** The final model's trainable parameters; empty when the run stopped before its export. */
  readonly parameters: readonly ParameterSummary[];
  /** Sparsity at the end over the pruned parameters, and over every trainable parameter; null before the export. */
  readonly globalSparsity: { readonly pruned: SparsityFigures | null; readonly model: SparsityFigures | null };
  /** The size and speed accounting the run recorded; null when the run did not get there or did not ask for it. */
  readonly size: SizeEntry | null;
  readonly compact: CompactEntry | null;
  readonly sparse: SparseEntry | null;
  /** Tasks a checkpoint stood for (the stage cache, or the run's own on resume), in run order; [] when none. */
  readonly reused: NonNullable<RunRecord['reused']>;
  /**
   * The recipe's `expect:` gates and how the run did against them (failed ones make prune-run exit
   * 1); absent when the recipe sets none or the run stopped before its report.
   */
  readonly expectations?: readonly ExpectationResult[];
}

/** What the RunRecord does not hold: how the run ended and where it is. */
export interface RunOutcome {
  readonly status: RunStatus;
  readonly exitReason: string | null;
  readonly folder: string;
  readonly overrides: readonly OverrideRecord[];
}

/** The manifest's sentence for why a run stopped: the error's class and message. */
export function exitReasonOf(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function accuracyAt(evaluations: readonly EvaluationEntry[], stage: string, point: EvaluationEntry['point']): number | null {
  const found = evaluations.filter((e) => e.stage !== null && stageLabel(e.taskId) === stage && e.point === point);
  return found[found.length - 1]?.accuracy ?? null;
}

export function summarizeRun(record: RunRecord, outcome: RunOutcome): RunSummary {
  const before = record.evaluations.find((e) => e.point === 'before-pruning')?.accuracy ?? null;
  const final = record.evaluations[record.evaluations.length - 1]?.accuracy ?? null;
  const summary: RunSummary = {
    version: RUN_SUMMARY_VERSION,
    runId: record.runId,
    folder: outcome.folder,
    status: outcome.status,
    exitReason: outcome.exitReason,
    recipe: { file: record.recipeFile, sha256: record.recipeHash, overrides: outcome.overrides },
    seed: record.seed,
    backend: record.backend,
    accuracy: { beforePruning: before, final, drop: before !== null && final !== null ? before - final : null },
    stages: record.pruning.map((p) => ({
      name: stageLabel(p.taskId),
      scope: p.scope,
      description: p.description,
      globalSparsity: p.global.sparsity,
      parameters: p.parameters,
      accuracyAfterPruning: accuracyAt(record.evaluations, stageLabel(p.taskId), 'pruned'),
      accuracyAfterFinetune: accuracyAt(record.evaluations, stageLabel(p.taskId), 'finetuned'),
    })),
    parameters: record.parameters.map((p) => ({ name: p.name, shape: p.shape, pruned: p.pruned, ...p.figures })),
    globalSparsity: { pruned: record.globalPruned, model: record.globalModel },
    size: record.size ?? null,
    compact: record.compact ?? null,
    sparse: record.sparse ?? null,
    reused: record.reused ?? [],
  };
  // The gates are checked into the record when the report is written (runner/runRecordBuilder.ts).
  return record.expectations === undefined ? summary : { ...summary, expectations: record.expectations };
}
