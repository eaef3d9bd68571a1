/**
 * A comparison as a fixed-width table for a terminal: a legend naming each run's column, then one
 * block per section, every row with each run's value and, for runs after the first, the
 * difference to the first (B − A). Fractions read as percentages and their differences as
 * percentage points (pp); a missing value is —.
 */
import type { Comparison, ComparisonRow, ComparisonUnit } from './types.js';

const MISSING = '—';
const INDENT = '  ';
const GAP = '  ';

export function formatValue(value: number | null, unit: ComparisonUnit): string {
  if (value === null) return MISSING;
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'fraction':
      return `${(value * 100).toFixed(2)}%`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'bytes':
      return `${(value / 1024).toFixed(1)} KiB`;
    case 'rate':
      return `${value.toFixed(0)}/s`;
  }
}

/** A difference with its sign; zero has none. */
export function formatDifference(value: number | null, unit: ComparisonUnit): string {
  if (value === null) return MISSING;
  if (!Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  let text: string;
  switch (unit) {
    case 'fraction':
      text = `${(magnitude * 100).toFixed(2)} pp`;
      break;
    case 'count':
      text = Math.round(magnitude).toLocaleString('en-US');
      break;
    case 'bytes':
      text = `${(magnitude / 1024).toFixed(1)} KiB`;
      break;
    case 'rate':
      text = `${magnitude.toFixed(0)}/s`;
      break;
  }
  // Rounded to nothing reads as no difference: "+0.00 pp" would claim a direction it cannot show.
  // (The units have no digits, so a text without a nonzero digit is a zero.)
  if (!/[1-9]/.test(text)) return text;
  return `${value > 0 ? '+' : '-'}${text}`;
}

/** The cells of one row after its label: A, B, B − A, C, C − A, ... */
function cells(row: ComparisonRow): string[] {
  return row.values.flatMap((value, i) =>
    i === 0 ? [formatValue(value, row.unit)] : [formatValue(value, row.unit), formatDifference(row.differences[i] ?? null, row.unit)],
  );
}

/** Characters as a terminal shows them (— and − are one column each). */
const width = (text: string): number => [...text].length;
const padLeft = (text: string, to: number): string => ' '.repeat(Math.max(0, to - width(text))) + text;
const padRight = (text: string, to: number): string => text + ' '.repeat(Math.max(0, to - width(text)));

export function formatComparison(comparison: Comparison): string {
  const columns = comparison.runs.map((r) => r.column);
  const first = columns[0] ?? 'A';
  const header = columns.flatMap((c, i) => (i === 0 ? [c] : [c, `${c} − ${first}`]));

  const legend = comparison.runs.map((r) => {
    const overrides = r.overrides.map((o) => ` --set ${o.path}=${JSON.stringify(o.value)}`).join('');
    const gates =
      r.expectations === null
        ? ''
        : r.expectations.failed.length === 0
          ? `, expectations passed`
          : `, ${String(r.expectations.failed.length)} of ${String(r.expectations.count)} expectations failed: ${r.expectations.failed.join(', ')}`;
    return `${r.column}  ${r.folder}  (${r.recipeFile}${overrides}, seed ${r.seed}, ${r.backend}${gates})`;
  });

  const body = comparison.sections.flatMap((section) => section.rows.map((row) => ({ label: INDENT + row.label, cells: cells(row) })));
  const labelWidth = Math.max(0, ...comparison.sections.map((s) => width(s.title)), ...body.map((r) => width(r.label)));
  const cellWidths = header.map((h, i) => Math.max(width(h), ...body.map((r) => width(r.cells[i] ?? ''))));
  const line = (label: string, values: readonly string[]) =>
    [padRight(label, labelWidth), ...values.map((v, i) => padLeft(v, cellWidths[i] ?? 0))].join(GAP).trimEnd();

  const lines = [...legend, '', line('', header)];
  for (const section of comparison.sections) {
    lines.push(section.title);
    for (const row of section.rows) lines.push(line(INDENT + row.label, cells(row)));
  }
  return lines.join('\n');
}
