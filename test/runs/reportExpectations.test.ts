/** Gates and the determinism promise in report.md and report.html: near the top, failures first and marked. */
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/runs/html/index.js';
import { determinismOf } from '../../src/runs/determinism.js';
import { checkExpectations } from '../../src/runs/expectations.js';
import type { RunRecord } from '../../src/runs/record.js';
import { renderReport } from '../../src/runs/report.js';
import { byClass, byName, findAll, isElement, parseHtml, readableText, textContent } from './htmlParse.js';
import { sampleMetrics } from './htmlFixtures.js';
import { makeRunRecord } from '../helpers/runRecord.js';

/** Final accuracy 85%, global sparsity 20%: the first gate passes, the second fails. */
function gated(): RunRecord {
  const record = makeRunRecord();
  const expectations = checkExpectations(
    [
      { name: 'final_accuracy_min', limit: 0.8 },
      { name: 'global_sparsity_min', limit: 0.5 },
    ],
    record,
  );
  return { ...record, expectations, determinism: determinismOf('wasm', 2) };
}

describe('report.md', () => {
  it('has an Expectations section right after the facts, before the accuracy table, failures first', () => {
    const md = renderReport(gated());
    const section = md.indexOf('## Expectations');
    expect(section).toBeGreaterThan(0);
    expect(section).toBeLessThan(md.indexOf('## Accuracy on the test split'));
    const lines = md.slice(section).split('\n');
    expect(lines.slice(0, 8)).toEqual([
      '## Expectations',
      '',
      '**1 of 2 expectations failed: prune-run exits with status 1 (the run itself completed).**',
      '',
      '| result | expectation | limit | actual | what happened |',
      '|---|---|---|---|---|',
      '| **FAILED** | `global_sparsity_min` | 50.00% | 20.00% | global sparsity of the pruned parameters 20.00% is below the minimum 50.00% by 30.00 points (120 entries short, of 400) |',
      '| passed | `final_accuracy_min` | 80.00% | 85.00% | final accuracy 85.00%, which meets the minimum 80.00% |',
    ]);
  });

  it('says when every gate passed, and has no section without gates', () => {
    const record = makeRunRecord();
    const passing = { ...record, expectations: checkExpectations([{ name: 'final_accuracy_min', limit: 0.5 }], record) };
    expect(renderReport(passing)).toContain('**The expectation passed.**');
    expect(renderReport(record)).not.toContain('## Expectations');
  });

  it('says whether reruns are promised identical, in bold when they are not', () => {
    expect(renderReport(gated())).toContain('- identical reruns: promised (wasm: single-threaded kernels, ');
    const native = renderReport({ ...makeRunRecord(), determinism: determinismOf('tensorflow', null) });
    expect(native).toContain('- identical reruns: **NOT promised: tensorflow (tfjs-node): multithreaded native kernels may sum in a different order');
  });
});

describe('report.html', () => {
  it('has the same facts in a section framed as a warning when a gate failed, failures first', () => {
    const document = parseHtml(renderHtmlReport(gated(), sampleMetrics()));
    const section = findAll(document, (e) => e.name === 'section' && e.attributes.get('id') === 'expectations')[0]!;
    expect(byClass('warning')(section)).toBe(true);
    expect(readableText(section)).toContain('1 of 2 expectations failed');
    const rows = findAll(section, byName('tr')).slice(1).map((tr) => findAll(tr, byName('td')).map(textContent));
    expect(rows).toEqual([
      ['FAILED', 'global_sparsity_min', '50.00%', '20.00%', 'global sparsity of the pruned parameters 20.00% is below the minimum 50.00% by 30.00 points (120 entries short, of 400)'],
      ['passed', 'final_accuracy_min', '80.00%', '85.00%', 'final accuracy 85.00%, which meets the minimum 80.00%'],
    ]);
    expect(findAll(section, byClass('failed')).map(textContent)).toEqual(['FAILED']);
    // Near the top: before the charts.
    const main = findAll(document, byName('main'))[0]!;
    const order = main.children.filter(isElement).map((c) => c.attributes.get('id') ?? c.name);
    expect(order.indexOf('expectations')).toBeLessThan(order.indexOf('charts'));
  });

  it('frames passing gates plainly, and says when reruns are not promised', () => {
    const record = { ...makeRunRecord(), determinism: determinismOf('tensorflow', null) };
    const passing = { ...record, expectations: checkExpectations([{ name: 'final_accuracy_min', limit: 0.5 }], record) };
    const document = parseHtml(renderHtmlReport(passing, sampleMetrics()));
    const section = findAll(document, (e) => e.name === 'section' && e.attributes.get('id') === 'expectations')[0]!;
    expect(byClass('warning')(section)).toBe(false);
    const facts = readableText(findAll(document, byClass('facts'))[0]!);
    expect(facts).toMatch(/identical reruns\s*NOT promised: tensorflow \(tfjs-node\)/);
  });
});
