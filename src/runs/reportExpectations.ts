/**
 * The report's facts about gates and reruns, shared by report.md and report.html: the `expect:`
 * results with failures first, and the determinism sentence.
 */
import { formatExpectationValue } from './expectations.js';
import type { DeterminismEntry, ExpectationResult } from './record.js';

/** Failed gates first (what a reader of a red build looks for), each group in the recipe's order. */
export function expectationsInReportOrder(results: readonly ExpectationResult[]): ExpectationResult[] {
  return [...results.filter((r) => !r.passed), ...results.filter((r) => r.passed)];
}

/** "1 of 3 expectations failed: prune-run exits with status 1" or "All 3 expectations passed". */
export function expectationsHeadline(results: readonly ExpectationResult[]): string {
  const failed = results.filter((r) => !r.passed).length;
  const n = results.length;
  if (failed === 0) return n === 1 ? 'The expectation passed.' : `All ${n} expectations passed.`;
  return `${failed} of ${n} expectation${n === 1 ? '' : 's'} failed: prune-run exits with status 1 (the run itself completed).`;
}

/** One table row: result, expectation, limit, actual, what happened. */
export function expectationRow(r: ExpectationResult): [string, string, string, string, string] {
  return [r.passed ? 'passed' : 'FAILED', r.name, formatExpectationValue(r.name, r.limit), formatExpectationValue(r.name, r.actual), r.message];
}

export const EXPECTATION_COLUMNS = ['result', 'expectation', 'limit', 'actual', 'what happened'] as const;

/** report.md's "## Expectations" section; [] when the recipe sets no gates. */
export function expectationsSection(results: readonly ExpectationResult[] | undefined): string[] {
  if (results === undefined || results.length === 0) return [];
  const rows = expectationsInReportOrder(results).map((r) => {
    const [result, name, limit, actual, message] = expectationRow(r);
    return `| ${r.passed ? result : `**${result}**`} | \`${name}\` | ${limit} | ${actual} | ${message} |`;
  });
  return [
    '',
    '## Expectations',
    '',
    `**${expectationsHeadline(results)}**`,
    '',
    `| ${EXPECTATION_COLUMNS.join(' | ')} |`,
    `|${EXPECTATION_COLUMNS.map(() => '---').join('|')}|`,
    ...rows,
  ];
}

/** The determinism sentence: "promised" briefly, "not promised" with the reason a reader needs. */
export function determinismText(d: DeterminismEntry): string {
  return d.promised ? `promised (${d.why})` : `NOT promised: ${d.why}`;
}
