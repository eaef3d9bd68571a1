/**
 * A run's sensitivity analyses as files: sensitivity.json (the record's entries, with a format
 * tag) and sensitivity.csv (one row per point, Distiller's sensitivities_to_csv with the counts
 * beside the amount; each curve starts with its amount-0 row, the analysis's baseline), plus the
 * report.md section. Plain text from the record: the same curves give the same bytes.
 */
import type { AllocationOutcome, SensitivityEntry } from './record.js';

export const SENSITIVITY_JSON = 'sensitivity.json';
export const SENSITIVITY_CSV = 'sensitivity.csv';
export const SENSITIVITY_FORMAT = 'prune-run-sensitivity/1';

export function sensitivityDocument(analyses: readonly SensitivityEntry[]): unknown {
  return { format: SENSITIVITY_FORMAT, analyses };
}

const CSV_HEADER = ['analysis', 'kind', 'name', 'unit', 'size', 'candidates', 'amount', 'pruned', 'accuracy', 'loss'];

/** A field quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sensitivityCsv(analyses: readonly SensitivityEntry[]): string {
  const rows: (string | number)[][] = [CSV_HEADER];
  for (const analysis of analyses) {
    const { baseline } = analysis;
    for (const curve of analysis.curves) {
      const head = [analysis.taskId, curve.kind, curve.name, curve.unit, curve.size, curve.candidates];
      rows.push([...head, 0, 0, baseline.accuracy, baseline.loss]);
      for (const p of curve.points) rows.push([...head, p.amount, p.pruned, p.accuracy, p.loss]);
    }
  }
  return `${rows.map((row) => row.map(field).join(',')).join('\n')}\n`;
}

const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');

/** report.md: per analysis, a table of accuracy by amount, one row per curve. */
export function sensitivityMarkdown(analyses: readonly SensitivityEntry[]): string[] {
  const lines: string[] = [];
  for (const analysis of analyses) {
    lines.push(
      `### Sensitivity: ${analysis.taskId}`,
      '',
      `Each parameter pruned alone (l1_unstructured, smallest |w| of its unpruned entries first) and each channel group alone ` +
        `(lowest group importance first) at each amount, then evaluated on the ${analysis.baseline.count} test images; ` +
        `accuracy before: ${percent(analysis.baseline.accuracy)}. Data: ${SENSITIVITY_JSON}, ${SENSITIVITY_CSV}.`,
      '',
      `| ${['subject', ...analysis.amounts.map((a) => `${+(a * 100).toFixed(2)}%`)].join(' | ')} |`,
      `|${['---', ...analysis.amounts.map(() => '---:')].join('|')}|`,
      ...analysis.curves.map((c) => `| \`${c.name}\`${c.kind === 'group' ? ' (channel group)' : ''} | ${c.points.map((p) => percent(p.accuracy)).join(' | ')} |`),
      '',
    );
  }
  return lines;
}

/** report.md: what an allocating step chose, under its stage. */
export function allocationMarkdown(allocations: readonly AllocationOutcome[]): string[] {
  return allocations.flatMap((a) => [
    '',
    `Amounts allocated from \`${a.sensitivity}\` (${a.budget} of ${a.candidates} unpruned entries; accuracy there ${percent(a.baseline)}, ` +
      `predicted after this step ${percent(a.predictedAccuracy)}, each parameter's loss alone added up):`,
    '',
    '| parameter | pruned | of | amount | its curve predicts |',
    '|---|---:|---:|---:|---:|',
    ...a.parameters.map((p) => `| \`${p.name}\` | ${p.count} | ${p.candidates} | ${percent(p.amount)} | ${percent(p.predictedAccuracy)} |`),
  ]);
}
