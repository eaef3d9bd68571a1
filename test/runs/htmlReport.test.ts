import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunMetrics, renderHtmlReport } from '../../src/runs/html/index.js';
import { MetricsWriter } from '../../src/runs/metrics.js';
import type { RunRecord } from '../../src/runs/record.js';
import { renderReport } from '../../src/runs/report.js';
import { RunDirectory } from '../../src/runs/runDirectory.js';
import { attribute, byClass, byName, chart, findAll, parseHtml, readableText, textContent, type HtmlElement } from './htmlParse.js';
import { parameter, sampleMetrics, sampleRecord, scheduledMetrics } from './htmlFixtures.js';

const EVIL = `conv1/<script>alert("x")</script>&amp;'q'`;

function sectionText(document: HtmlElement, title: string): string {
  // A section runs from its <h2> to the next one.
  const main = findAll(document, byName('main'))[0]!;
  const children = main.children;
  const start = children.findIndex((c) => typeof c !== 'string' && c.name === 'h2' && textContent(c) === title);
  if (start < 0) throw new Error(`no section ${title}`);
  const rest = children.slice(start + 1);
  const end = rest.findIndex((c) => typeof c !== 'string' && c.name === 'h2');
  return (end < 0 ? rest : rest.slice(0, end)).map(readableText).join(' ').replace(/\s+/g, ' ');
}

describe('report.html', () => {
  const html = renderHtmlReport(sampleRecord(), sampleMetrics());
  const document = parseHtml(html);

  it('is one well-formed document whose every SVG parses, with nothing outside it to load', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    const svgs = findAll(document, byName('svg'));
    expect(svgs.map((s) => attribute(s, 'data-chart'))).toEqual(['parameter-sparsity', 'accuracy', 'run-points', 'loss']);
    // Each chart's markup stands alone too (it can be copied out of the page).
    for (const svg of svgs) expect(attribute(svg, 'xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(findAll(document, (e) => ['script', 'link', 'img', 'iframe', 'object', 'use', 'image'].includes(e.name))).toEqual([]);
    for (const e of findAll(document, () => true)) {
      for (const [name, value] of e.attributes) {
        expect(['href', 'src', 'xlink:href', 'srcset', 'action']).not.toContain(name);
        expect(name.startsWith('on')).toBe(false);
        if (name !== 'xmlns') expect(value).not.toMatch(/https?:|url\(|\/\//);
      }
    }
    const style = textContent(findAll(document, byName('style'))[0]!);
    expect(style).not.toMatch(/url\(|@import|https?:/);
  });

  it('gives every chart a title, axis tick labels and axis titles', () => {
    for (const svg of findAll(document, byName('svg'))) {
      const title = textContent(findAll(svg, byName('title'))[0]!);
      expect(title.length).toBeGreaterThan(10);
      const axes = findAll(svg, byClass('axis'));
      expect(axes.map((a) => attribute(a, 'class'))).toEqual(svg === chart(document, 'parameter-sparsity') ? ['axis axis-x'] : ['axis axis-y', 'axis axis-x']);
      for (const axis of axes) expect(findAll(axis, byName('text')).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('states the facts report.md states', () => {
    const text = textContent(document);
    for (const fact of ['20261201-120000Z-0123abcd', 'recipes/sample.yaml', '0123abcd0123', 'wasm (@tensorflow/tfjs-backend-wasm 4.22.0)', 'global l1_unstructured 20%']) {
      expect(text).toContain(fact);
    }
    expect(text).toContain('90.00% before pruning → 88.00% after fine-tuning (global-20)');
    expect(sectionText(document, 'Accuracy on the test split')).toContain('after pruning (global-20) 80.00% 0.5000 100');
    expect(sectionText(document, 'Parameters')).toMatch(/conv1\/kernel \[50\] 50 10 20\.00%/);
    expect(sectionText(document, 'Parameters')).toMatch(/conv1\/bias \[5\] 5 0 not pruned/);
    expect(sectionText(document, 'Size')).toContain('parameters 275, nonzero 185');
    expect(sectionText(document, 'Size')).toContain("multiply-adds per image 1000, 400 with the kernels' pruned channels gone (40.00%)");
    expect(sectionText(document, 'Training')).toContain('train 3 0.3333 80.00% 1000');
    expect(text).not.toContain('Compact export');
    expect(text).not.toContain('Sparse export');
    expect(text).not.toContain('layer collapse');
  });

  it('adds the compact and sparse sections when the run exported them', () => {
    const record = sampleRecord({
      compact: {
        layers: [{ name: 'conv1', className: 'Conv2D', channelsBefore: 6, channelsAfter: 3 }],
        parametersBefore: 1000,
        parametersAfter: 600,
        bytes: { dense: 8192, denseGzipped: 4096, compact: 2048 },
        comparison: null,
      },
      sparse: { bytes: 1024, denseBytes: 8192 },
    });
    const page = parseHtml(renderHtmlReport(record, sampleMetrics()));
    const compact = sectionText(page, 'Compact export (model-compact/)');
    expect(compact).toContain('conv1 Conv2D 6 3 3');
    expect(compact).toContain('parameters: 1000 → 600 (40.00% fewer)');
    expect(compact).toContain('no test split in this run');
    expect(sectionText(page, 'Sparse export (model-sparse/)')).toContain('sparse files 1.0 KiB (12.50% of them)');
    expect(compact).not.toContain('folded');
  });

  it('says which layers fold_batch_norm folded, in both reports', () => {
    const record = sampleRecord({
      compact: {
        layers: [{ name: 'conv1', className: 'Conv2D', channelsBefore: 6, channelsAfter: 3 }],
        parametersBefore: 1000,
        parametersAfter: 560,
        folded: [
          { layer: 'conv1_bn', into: 'conv1' },
          { layer: 'conv1_relu', into: 'conv1' },
        ],
        bytes: { dense: 8192, denseGzipped: 4096, compact: 2048 },
        comparison: null,
      },
    });
    const line = 'folded for inference (fold_batch_norm): 2 layer(s), conv1_bn → conv1, conv1_relu → conv1';
    expect(sectionText(parseHtml(renderHtmlReport(record, sampleMetrics())), 'Compact export (model-compact/)')).toContain(line);
    expect(renderReport(record)).toContain(`- ${line}`);
  });

  it('escapes names with <, & and quotes everywhere they appear: no tag, attribute or entity gets in', () => {
    const record = sampleRecord({
      runId: 'run"<b>',
      recipeFile: `recipes/<img src=x onerror="y">&'.yaml`,
      parameters: [parameter(EVIL, 10, 4), parameter('fc1/kernel', 10, 10)],
    });
    const metrics = sampleMetrics().map((line) => (line.stage === 'global-20' ? { ...line, stage: `<s>&"'` } : line));
    const evilHtml = renderHtmlReport(record, [...metrics, { stage: '"><svg onload=x>', phase: 'prune', step: 3, sparsity: 0.5, time: 't' }]);
    // The strict parser throws on any raw <, > or " in text or attributes, and on unknown entities.
    const page = parseHtml(evilHtml);
    expect(findAll(page, (e) => ['script', 'img', 'b', 's'].includes(e.name))).toEqual([]);
    expect(findAll(page, (e) => [...e.attributes.keys()].some((k) => k.startsWith('on')))).toEqual([]);
    // …and every name reads back exactly as it was: in the tables, the bar labels and the charts.
    const text = textContent(page);
    expect(text).toContain(EVIL);
    expect(text).toContain(`recipes/<img src=x onerror="y">&'.yaml`);
    expect(findAll(chart(page, 'parameter-sparsity')!, byClass('bar-row')).map((r) => attribute(r, 'data-item'))).toEqual([EVIL, 'fc1/kernel']);
    expect(textContent(chart(page, 'run-points')!)).toContain(`<s>&"': pruned`);
    expect(textContent(chart(page, 'schedule')!)).toContain('"><svg onload=x>');
    // Sparsity per parameter, accuracy, sparsity through the run, loss, schedule.
    expect(findAll(page, byName('svg'))).toHaveLength(5);
  });

  it('warns of layer collapse exactly when report.md does', () => {
    for (const [zeros, warns] of [
      [995, true],
      [990, false],
    ] as const) {
      const record: RunRecord = sampleRecord({ parameters: [parameter('fc1/kernel', 1000, zeros), parameter('fc1/bias', 10, 10, false)] });
      const page = parseHtml(renderHtmlReport(record, sampleMetrics()));
      expect(findAll(page, (e) => e.attributes.get('id') === 'layer-collapse').length === 1).toBe(warns);
      expect(/layer collapse/.test(renderReport(record))).toBe(warns);
      if (warns) expect(textContent(page)).toContain('fc1/kernel is 99.50% pruned (995 of 1000)');
    }
  });

  it('says why a chart is missing instead of drawing an empty one (a run that only prunes)', () => {
    const record = sampleRecord({ training: [], evaluations: [] });
    const metrics = [
      { stage: 'a', phase: 'prune' as const, sparsity: 0.3, time: 't' },
      { stage: 'b', phase: 'prune' as const, sparsity: 0.2, time: 't' },
    ];
    const page = parseHtml(renderHtmlReport(record, metrics));
    expect(findAll(page, byName('svg')).map((s) => attribute(s, 'data-chart'))).toEqual(['parameter-sparsity', 'run-points']);
    expect(textContent(chart(page, 'run-points')!)).toContain('Global sparsity after each stage');
    const captions = findAll(page, byName('figcaption')).map(textContent);
    expect(captions).toEqual([
      'The run did not evaluate (no data, or report.evaluate is off): only sparsity is shown.',
      'The run did not train or fine-tune: there is no loss curve.',
    ]);
    expect(textContent(page)).not.toContain('Accuracy on the test split');
  });

  it('adds the schedule chart after the loss chart when the run pruned on a schedule', () => {
    const page = parseHtml(renderHtmlReport(sampleRecord(), scheduledMetrics()));
    expect(findAll(page, byName('svg')).map((s) => attribute(s, 'data-chart'))).toEqual(['parameter-sparsity', 'accuracy', 'run-points', 'loss', 'schedule']);
  });
});

describe('readRunMetrics', () => {
  const made: string[] = [];
  afterEach(async () => {
    for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('reads back every line written before it, and no file as no lines', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'prune-run-html-'));
    made.push(root);
    const dir = await RunDirectory.create(root, 'abcdef0123', new Date('2026-12-01T12:00:00Z'));
    expect(await readRunMetrics(dir)).toEqual([]);
    const writer = new MetricsWriter(dir, undefined, () => new Date('2026-12-01T12:00:00Z'));
    await writer.write({ stage: 'train', phase: 'train', epoch: 1, loss: Number.NaN, accuracy: 0.5 });
    await writer.write({ stage: 's', phase: 'prune', step: 4, epoch: 1, sparsity: 0.25 });
    expect(await readRunMetrics(dir)).toEqual([
      { stage: 'train', phase: 'train', epoch: 1, loss: null, accuracy: 0.5, time: '2026-12-01T12:00:00.000Z' },
      { stage: 's', phase: 'prune', epoch: 1, step: 4, sparsity: 0.25, time: '2026-12-01T12:00:00.000Z' },
    ]);
  });
});

describe('histories', () => {
  it('read as a few words per method, not JSON', () => {
    const histories = [
      [{ method: 'l1_unstructured', amount: 0.2 }],
      [{ method: 'l1_unstructured', count: 3 }, { method: 'ln_structured', amount: 0.5, n: 2, axis: 0 }],
      [{ method: 'global_unstructured', inner: 'l1_unstructured', amount: 0.3, parameters: ['a', 'b', 'c'], max_sparsity_per_layer: 0.97 }],
      [{ method: 'semi_structured', pattern: '2:4', axis: 0 }],
    ];
    const parameters = histories.map((history, i) => ({ ...parameter(`p${i}/kernel`, 100, 50), history }));
    const html = renderHtmlReport(sampleRecord({ parameters }), sampleMetrics());
    const page = parseHtml(html);
    const texts = findAll(page, byClass('history')).map(textContent);
    expect(texts).toContain('l1_unstructured 20%');
    expect(texts).toContain('l1_unstructured 3 entries');
    expect(texts).toContain('ln_structured 50% (n 2, axis 0)');
    expect(texts).toContain('global l1_unstructured 30% over 3 parameters, at most 97% each');
    expect(texts).toContain('semi_structured (pattern 2:4, axis 0)');
    expect(html).not.toContain('{&quot;method');
    expect(html).not.toContain('{"method');
  });

  it('fold into a <details> that shows the first and last entry and holds all of them', () => {
    const steps = Array.from({ length: 25 }, (_, i) => ({ method: 'global_unstructured', count: 100 - i }));
    const p = { ...parameter('fc1/kernel', 100, 90), history: steps };
    const page = parseHtml(renderHtmlReport(sampleRecord({ parameters: [p] }), sampleMetrics()));
    // In the stage's table and in the parameters table.
    const details = findAll(page, byName('details'));
    expect(details).toHaveLength(2);
    const summary = findAll(details[0]!, byName('summary'))[0]!;
    expect(textContent(summary)).toBe('25 entries: global unstructured 100 entries → … → global unstructured 76 entries');
    expect(findAll(details[0]!, byClass('history'))).toHaveLength(2 + 25);
  });
});

describe('repeated and scheduled stages', () => {
  it('name a repeated stage’s cycles as report.md does (from the task ids)', () => {
    const base = sampleRecord();
    const record = sampleRecord({
      pruning: [{ ...base.pruning[0]!, taskId: 'prune:imp#2', stage: 'imp' }],
      evaluations: [{ taskId: 'evaluate:imp#2:pruned', stage: 'imp', point: 'pruned', loss: 0.5, accuracy: 0.8, count: 100 }],
    });
    const page = parseHtml(renderHtmlReport(record, sampleMetrics()));
    expect(sectionText(page, 'Accuracy on the test split')).toContain('after pruning (imp#2) 80.00%');
    expect(findAll(page, byName('h3')).map(textContent)).toContain('imp#2');
    expect(renderReport(record)).toContain('after pruning (imp#2)');
  });

  it('list every mask update of a scheduled task, folded when there are many', () => {
    const updates = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ step: (i + 1) * 10, epoch: 1, group: 0, target: (i + 1) / (2 * n), sparsity: (i + 1) / (2 * n), newlyPruned: 5 }));
    const training = (n: number) => [{ taskId: 'finetune:gradual', stage: 'gradual', phase: 'finetune' as const, epochs: [], maskUpdates: updates(n) }];
    const short = parseHtml(renderHtmlReport(sampleRecord({ training: training(3) }), scheduledMetrics()));
    const text = sectionText(short, 'Scheduled pruning');
    expect(text).toContain('3 mask updates; sparsity of the scheduled parameters at the end: 50.00% (target 50.00%)');
    expect(text).toContain('step epoch target reached newly pruned 10 1 16.67% 16.67% 5');
    expect(findAll(short, byName('details'))).toHaveLength(0);
    const long = parseHtml(renderHtmlReport(sampleRecord({ training: training(25) }), scheduledMetrics()));
    const details = findAll(long, byName('details'));
    expect(details.map((d) => textContent(findAll(d, byName('summary'))[0]!))).toEqual(['all 25 mask updates']);
    expect(findAll(details[0]!, byName('tr'))).toHaveLength(26);
    expect(textContent(parseHtml(renderHtmlReport(sampleRecord(), sampleMetrics())))).not.toContain('Scheduled pruning');
  });
});
