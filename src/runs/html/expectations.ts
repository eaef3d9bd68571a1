/** report.html's section on the `expect:` gates: the facts of report.md's, failures first and marked. */
import type { ExpectationResult } from '../record.js';
import { EXPECTATION_COLUMNS, expectationRow, expectationsHeadline, expectationsInReportOrder } from '../reportExpectations.js';
import { element, text, type Markup } from './markup.js';
import { code, heading, paragraph, strong, table } from './tables.js';

export function expectationsSection(results: readonly ExpectationResult[] | undefined): Markup[] {
  if (results === undefined || results.length === 0) return [];
  const failed = results.some((r) => !r.passed);
  const rows = expectationsInReportOrder(results).map((r) => {
    const [result, name, limit, actual, message] = expectationRow(r);
    return [r.passed ? text(result) : element('span', { class: 'failed' }, [text(result)]), code(name), limit, actual, message];
  });
  // A failed gate is the page's news: it gets the warning frame, as a collapsed layer does.
  return [
    element('section', { id: 'expectations', class: failed ? 'warning' : undefined }, [
      heading(2, 'Expectations'),
      paragraph(strong(expectationsHeadline(results))),
      table(EXPECTATION_COLUMNS, rows, [2, 3]),
    ]),
  ];
}
