/**
 * Runs side by side, as data: the headline figures, each stage (matched by name across runs, in
 * the order the stages first appear) and each parameter of the final models, with every run's
 * difference to the first (B − A). A value a run does not have (a stage its recipe lacks, a
 * compact export it did not ask for) is null; rows no run has a value for are left out.
 */
import { expectationUnit } from '../runs/expectations.js';
import type { RunSummary } from '../runs/summary.js';
import {
  COMPARISON_VERSION,
  type ComparedRun,
  type Comparison,
  type ComparisonRow,
  type ComparisonSection,
  type ComparisonUnit,
  type StageAmount,
} from './types.js';

/** A, B, ..., Z, then AA, AB, ... (more than 26 runs is unusual, not an error). */
export function columnName(index: number): string {
  const letter = String.fromCharCode(65 + (index % 26));
  return index < 26 ? letter : columnName(Math.floor(index / 26) - 1) + letter;
}

function row(label: string, unit: ComparisonUnit, values: readonly (number | null)[]): ComparisonRow | null {
  if (values.every((v) => v === null)) return null;
  const first = values[0] ?? null;
  const differences = values.map((v, i) => (i === 0 || v === null || first === null ? null : v - first));
  return { label, unit, values, differences };
}

function rows(...candidates: (ComparisonRow | null)[]): ComparisonRow[] {
  return candidates.filter((r): r is ComparisonRow => r !== null);
}

/** Names in the order they first appear, run after run. */
function unionInOrder(lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const name of list) seen.add(name);
  return [...seen];
}

function headline(summaries: readonly RunSummary[]): ComparisonSection {
  const each = (pick: (s: RunSummary) => number | null | undefined) => summaries.map((s) => pick(s) ?? null);
  return {
    title: 'run',
    rows: rows(
      row('final accuracy', 'fraction', each((s) => s.accuracy.final)),
      row('accuracy before pruning', 'fraction', each((s) => s.accuracy.beforePruning)),
      row('accuracy drop', 'fraction', each((s) => s.accuracy.drop)),
      row('global sparsity (pruned parameters)', 'fraction', each((s) => s.globalSparsity.pruned?.sparsity)),
      row('sparsity (all parameters)', 'fraction', each((s) => s.globalSparsity.model?.sparsity)),
      row('parameters', 'count', each((s) => s.size?.parameters)),
      row('nonzeros', 'count', each((s) => s.size?.nonzeros)),
      row('multiply-adds per image', 'count', each((s) => s.size?.macs?.dense)),
      row("multiply-adds, kernels' pruned channels gone", 'count', each((s) => s.size?.macs?.pruned)),
      row('compact model multiply-adds', 'count', each((s) => s.compact?.macs?.after)),
      row('dense model bytes', 'bytes', each((s) => s.size?.denseBytes)),
      row('dense model bytes, gzipped', 'bytes', each((s) => s.size?.denseGzippedBytes)),
      row('sparse model bytes', 'bytes', each((s) => s.sparse?.bytes)),
      row('compact model bytes', 'bytes', each((s) => s.compact?.bytes.compact)),
      row('compact model parameters', 'count', each((s) => s.compact?.parametersAfter)),
      row('compact model accuracy', 'fraction', each((s) => s.compact?.comparison?.compactAccuracy)),
      row('masked model images/s', 'rate', each((s) => s.compact?.comparison?.maskedImagesPerSecond)),
      row('compact model images/s', 'rate', each((s) => s.compact?.comparison?.compactImagesPerSecond)),
    ),
  };
}

function stageSection(name: string, runs: readonly ComparedRun[]): ComparisonSection {
  const stages = runs.map((r) => r.summary.stages.find((s) => s.name === name) ?? null);
  // A cycle of a repeated stage (imp#2) asked for its stage's amount.
  const amounts = runs.map((r) => r.amounts.filter((a) => a.stage === name.replace(/#\d+$/, '')));
  // An amount and a count of the same target are different rows: their numbers do not subtract.
  const amountLabel = (a: StageAmount) => `${a.kind} (${a.label})`;
  const amountRows = unionInOrder(amounts.map((list) => list.map(amountLabel))).map((label) => {
    const values = amounts.map((list) => list.find((a) => amountLabel(a) === label) ?? null);
    const kind = values.find((a) => a !== null)?.kind;
    return row(label, kind === 'count' ? 'count' : 'fraction', values.map((a) => a?.value ?? null));
  });
  const parameterNames = unionInOrder(stages.map((s) => (s === null ? [] : Object.keys(s.parameters))));
  return {
    title: `stage ${name}`,
    rows: rows(
      ...amountRows,
      row('global sparsity after the stage', 'fraction', stages.map((s) => s?.globalSparsity ?? null)),
      row('accuracy after pruning', 'fraction', stages.map((s) => s?.accuracyAfterPruning ?? null)),
      row('accuracy after fine-tuning', 'fraction', stages.map((s) => s?.accuracyAfterFinetune ?? null)),
      ...parameterNames.map((p) => row(`${p} sparsity`, 'fraction', stages.map((s) => s?.parameters[p]?.sparsity ?? null))),
    ),
  };
}

/**
 * The `expect:` gates: how many failed, then each gate's measured value (the limit in the label
 * when every run that has the gate sets the same one). Runs without gates have no values here.
 */
function expectationsSection(summaries: readonly RunSummary[]): ComparisonSection {
  // Gates this version cannot interpret (a newer prune-run's) get no value row: their unit is unknown.
  const names = unionInOrder(summaries.map((s) => (s.expectations ?? []).map((e) => e.name))).filter((n) => expectationUnit(n) !== null);
  const failed = summaries.map((s) => (s.expectations === undefined || s.expectations.length === 0 ? null : s.expectations.filter((e) => !e.passed).length));
  return {
    title: 'expectations',
    rows: rows(
      row('expectations failed', 'count', failed),
      ...names.map((name) => {
        const results = summaries.map((s) => s.expectations?.find((e) => e.name === name) ?? null);
        const limits = new Set(results.filter((r) => r !== null).map((r) => r.limit));
        const unit = expectationUnit(name)!;
        const limit = limits.size === 1 ? [...limits][0]! : null;
        const shown = limit === null ? '' : unit === 'fraction' ? ` (limit ${(limit * 100).toFixed(2)}%)` : ` (limit ${limit.toLocaleString('en-US')})`;
        return row(`${name}${shown}`, unit, results.map((r) => r?.actual ?? null));
      }),
    ),
  };
}

function parametersSection(summaries: readonly RunSummary[]): ComparisonSection {
  const names = unionInOrder(summaries.map((s) => s.parameters.map((p) => p.name)));
  return {
    title: 'parameters (final)',
    rows: rows(
      ...names.map((name) =>
        row(
          `${name} sparsity`,
          'fraction',
          summaries.map((s) => s.parameters.find((p) => p.name === name)?.sparsity ?? null),
        ),
      ),
    ),
  };
}

export function buildComparison(runs: readonly ComparedRun[]): Comparison {
  const summaries = runs.map((r) => r.summary);
  const stageNames = unionInOrder(summaries.map((s) => s.stages.map((stage) => stage.name)));
  const sections = [headline(summaries), ...stageNames.map((name) => stageSection(name, runs)), parametersSection(summaries), expectationsSection(summaries)];
  return {
    version: COMPARISON_VERSION,
    runs: runs.map((r, i) => ({
      column: columnName(i),
      folder: r.label,
      runId: r.summary.runId,
      recipeFile: r.summary.recipe.file,
      recipeSha256: r.summary.recipe.sha256,
      overrides: r.summary.recipe.overrides,
      seed: r.summary.seed,
      backend: r.summary.backend,
      expectations:
        r.summary.expectations === undefined || r.summary.expectations.length === 0
          ? null
          : { count: r.summary.expectations.length, failed: r.summary.expectations.filter((e) => !e.passed).map((e) => e.name) },
    })),
    sections: sections.filter((s) => s.rows.length > 0),
  };
}
