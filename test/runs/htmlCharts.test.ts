import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/runs/html/index.js';
import type { MetricsRecord } from '../../src/runs/metrics.js';
import { attribute, byClass, byName, chart, findAll, numberAttribute, parseHtml, textContent, type HtmlElement } from './htmlParse.js';
import { parameter, sampleMetrics, sampleRecord, scheduledMetrics } from './htmlFixtures.js';

const page = (...args: Parameters<typeof renderHtmlReport>) => parseHtml(renderHtmlReport(...args));

function requireChart(document: HtmlElement, kind: string): HtmlElement {
  const svg = chart(document, kind);
  if (svg === undefined) throw new Error(`no ${kind} chart`);
  return svg;
}

/** The numbers of a path's d attribute, in order. */
const pathNumbers = (d: string) => d.split(/[MLHV ]+/).filter((t) => t !== '').map(Number);

describe('chart 1: per-parameter sparsity', () => {
  const parameters = [
    parameter('conv1/kernel', 50, 20),
    parameter('conv1/bias', 5, 0, false),
    parameter('fc1/kernel', 200, 0),
    parameter('fc2/kernel', 100, 100),
  ];
  const svg = requireChart(page(sampleRecord({ parameters }), sampleMetrics()), 'parameter-sparsity');

  it('has one bar per parameter, in the record’s order, labelled by name', () => {
    const rows = findAll(svg, byClass('bar-row'));
    expect(rows.map((r) => attribute(r, 'data-item'))).toEqual(parameters.map((p) => p.name));
    expect(rows.map((r) => textContent(findAll(r, byName('text'))[0]!))).toEqual(parameters.map((p) => p.name));
  });

  it('draws each bar as its sparsity’s share of the 0–100% axis (40% is 40% of the axis)', () => {
    const plot = findAll(svg, byClass('plot-area'))[0]!;
    const axisWidth = numberAttribute(plot, 'width');
    const bars = findAll(svg, byClass('bar'));
    expect(bars).toHaveLength(4);
    bars.forEach((bar, i) => {
      expect(numberAttribute(bar, 'x')).toBeCloseTo(numberAttribute(plot, 'x'), 2);
      expect(numberAttribute(bar, 'width') / axisWidth).toBeCloseTo(parameters[i]!.figures.sparsity, 3);
    });
    // And the axis is labelled 0% … 100% under the plot.
    const ticks = findAll(findAll(svg, byClass('axis-x'))[0]!, byName('text')).map(textContent);
    expect(ticks).toEqual(['0%', '20%', '40%', '60%', '80%', '100%', 'sparsity (% of the parameter’s entries that are zero)']);
  });

  it('colours a collapsed parameter apart from the others, and says so in the legend', () => {
    const fills = findAll(svg, byClass('bar')).map((b) => attribute(b, 'fill'));
    expect(fills[3]).not.toBe(fills[0]);
    expect(fills[1]).not.toBe(fills[0]);
    expect(findAll(svg, byClass('value-label')).map(textContent)).toEqual(['40.00%', '0.00% · no mask', '0.00%', '100.00%']);
    const legend = findAll(svg, byClass('legend-item')).map(textContent);
    expect(legend).toEqual(['pruned (has a mask)', 'pruned above 99%: layer collapse', 'no mask (never pruned, or made permanent by remove)']);
  });
});

describe('chart 2: accuracy across the run, on an axis of its own', () => {
  it('spans the accuracies reached, so 96.4% → 97.0% is visibly a rise', () => {
    const metrics = sampleMetrics().map((m) => (m.phase !== 'evaluate' ? m : { ...m, accuracy: m.stage === 'before-pruning' ? 0.964 : m.accuracy === 0.8 ? 0.951 : 0.97 }));
    const svg = requireChart(page(sampleRecord(), metrics), 'accuracy');
    const ticks = findAll(findAll(svg, byClass('axis-y'))[0]!, byName('text')).map(textContent).filter((t) => t.endsWith('%'));
    const values = ticks.map((t) => Number(t.slice(0, -1)));
    // Not 0–100%: the axis starts near the lowest accuracy and ends near the highest.
    expect(Math.min(...values)).toBeGreaterThanOrEqual(90);
    expect(Math.max(...values)).toBeLessThanOrEqual(100);
    expect(Math.min(...values)).toBeLessThanOrEqual(95.1);
    expect(Math.max(...values)).toBeGreaterThanOrEqual(97);
    const markers = findAll(svg, byClass('marker')).map((c) => numberAttribute(c, 'cy'));
    // 96.4% and 97.0% are far apart on it: more than a tenth of the plot's height.
    const plot = findAll(svg, byClass('plot-area'))[0]!;
    expect(Math.abs(markers[0]! - markers[2]!) / numberAttribute(plot, 'height')).toBeGreaterThan(0.1);
    expect(findAll(svg, byClass('value-label')).map(textContent)).toEqual(['96.40%', '95.10%', '97.00%']);
  });

  it('is left out when the run did not evaluate', () => {
    const metrics: MetricsRecord[] = [{ stage: 's', phase: 'prune', sparsity: 0.5, time: 'x' }];
    expect(chart(page(sampleRecord(), metrics), 'accuracy')).toBeUndefined();
  });
});

describe('chart 3: global sparsity across the run', () => {
  it('plots the sparsity at each point on 0–100%, with value labels', () => {
    const svg = requireChart(page(sampleRecord(), sampleMetrics()), 'run-points');
    const series = findAll(svg, byClass('series'));
    expect(series.map((s) => attribute(s, 'data-series'))).toEqual(['global sparsity of the pruned parameters']);
    expect(findAll(series[0]!, byClass('marker'))).toHaveLength(3);
    expect(findAll(series[0]!, byClass('value-label')).map(textContent)).toEqual(['0.0%', '36.0%', '36.0%']);
    const labels = findAll(findAll(svg, byClass('axis-x'))[0]!, byName('text')).map(textContent);
    expect(labels).toEqual(['before pruning', 'global-20: pruned', 'global-20: fine-tuned', 'point of the run, in order']);
  });

  it('leaves out a value label that would overlap another, keeping every marker', () => {
    // 40 cycles in a 720-pixel chart: about 17 pixels a point, narrower than "12.3%".
    const metrics: MetricsRecord[] = Array.from({ length: 40 }, (_, i) => ({ stage: 'imp', phase: 'prune' as const, sparsity: 1 - 0.9 ** (i + 1), time: 'x' }));
    const svg = requireChart(page(sampleRecord(), metrics), 'run-points');
    expect(findAll(svg, byClass('marker'))).toHaveLength(40);
    const labels = findAll(svg, byClass('value-label'));
    expect(labels.length).toBeGreaterThan(3);
    expect(labels.length).toBeLessThan(40);
    const boxes = labels.map((l) => {
      const half = (textContent(l).length * 11 * 0.6) / 2;
      return { left: numberAttribute(l, 'x') - half, right: numberAttribute(l, 'x') + half, y: numberAttribute(l, 'y') };
    });
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const apart = a.right <= b.left || b.right <= a.left || Math.abs(a.y - b.y) >= 12;
        expect(apart, `${textContent(labels[i]!)} and ${textContent(labels[j]!)} overlap`).toBe(true);
      }
    }
  });

  it('turns long stage labels so they cannot overlap, and keeps them whole', () => {
    const stages = ['conv1-kernel-random-30', 'conv1-bias-l1-3', 'conv1-kernel-ln-50-out', 'conv1-kernel-remove', 'per-type-rule', 'global-l1-20'];
    const metrics: MetricsRecord[] = stages.map((stage, i) => ({ stage, phase: 'prune', sparsity: i / 10, time: 'x' }));
    const svg = requireChart(page(sampleRecord(), metrics), 'run-points');
    const labels = findAll(findAll(svg, byClass('axis-x'))[0]!, byName('text')).slice(0, stages.length);
    expect(labels.map(textContent)).toEqual(stages.map((s) => `${s}: pruned`));
    for (const label of labels) expect(attribute(label, 'transform')).toMatch(/^rotate\(-35 /);
    // The first label reaches left of its point; it must start inside the image.
    const first = labels[0]!;
    const reach = textContent(first).length * 11 * 0.6 * Math.cos((35 * Math.PI) / 180);
    expect(numberAttribute(first, 'x') - reach).toBeGreaterThanOrEqual(0);
    // Without evaluations there is one series, so no legend.
    expect(findAll(svg, byClass('legend-item'))).toHaveLength(0);
  });
});

describe('chart 4: the loss curve', () => {
  it('breaks the line at a non-finite loss instead of writing NaN into the path', () => {
    const html = renderHtmlReport(sampleRecord(), sampleMetrics([1, 0.8, null, 0.5, 0.4]));
    const svg = requireChart(parseHtml(html), 'loss');
    for (const e of findAll(svg, () => true)) for (const value of e.attributes.values()) expect(value).not.toMatch(/NaN|Infinity/);
    const training = findAll(svg, (e) => e.attributes.get('data-series') === 'training')[0]!;
    const paths = findAll(training, byName('path'));
    // Epochs 1–2 and 4–5: two pieces, each from one move and one line.
    expect(paths).toHaveLength(2);
    for (const path of paths) {
      const d = attribute(path, 'd');
      expect(d.match(/M/g)).toHaveLength(1);
      expect(d.match(/L/g)).toHaveLength(1);
      for (const n of pathNumbers(d)) expect(Number.isFinite(n)).toBe(true);
    }
    expect(findAll(training, byClass('marker'))).toHaveLength(4);
    expect(html).toContain('1 epoch had a non-finite loss');
  });

  it('shows training and fine-tuning as two series in order, the fine-tune marked by its stage', () => {
    const svg = requireChart(page(sampleRecord(), sampleMetrics()), 'loss');
    const [training, finetune] = findAll(svg, byClass('series'));
    const xs = (s: HtmlElement) => findAll(s, byClass('marker')).map((c) => numberAttribute(c, 'cx'));
    expect(xs(training!)).toHaveLength(3);
    expect(xs(finetune!)).toHaveLength(2);
    expect(Math.min(...xs(finetune!))).toBeGreaterThan(Math.max(...xs(training!)));
    expect(findAll(svg, byClass('legend-item')).map(textContent)).toEqual(['training', 'fine-tuning']);
    expect(textContent(findAll(svg, byClass('x-marker'))[0]!)).toBe('fine-tune global-20');
  });

  it('is replaced by a sentence when every loss was non-finite or nothing trained', () => {
    const diverged = page(sampleRecord(), sampleMetrics([null, null, null], [null, null]));
    expect(chart(diverged, 'loss')).toBeUndefined();
    expect(textContent(diverged)).toContain('Every loss the run recorded was non-finite');
    const untrained = page(sampleRecord({ training: [] }), [{ stage: 'a', phase: 'prune', sparsity: 0.2, time: 'x' }]);
    expect(chart(untrained, 'loss')).toBeUndefined();
    expect(textContent(untrained)).toContain('The run did not train or fine-tune: there is no loss curve.');
  });
});

describe('chart 5: scheduled pruning', () => {
  it('is drawn only when the metrics have prune lines with a step', () => {
    expect(chart(page(sampleRecord(), sampleMetrics()), 'schedule')).toBeUndefined();
    const svg = requireChart(page(sampleRecord(), scheduledMetrics()), 'schedule');
    expect(textContent(findAll(svg, byName('title'))[0]!)).toBe('Scheduled pruning (gradual): sparsity after each mask update');
    expect(findAll(svg, byClass('marker'))).toHaveLength(4);
  });

  it('holds each sparsity until the next update (a step line, never falling between updates)', () => {
    const svg = requireChart(page(sampleRecord(), scheduledMetrics()), 'schedule');
    const d = attribute(findAll(svg, byName('path'))[0]!, 'd');
    expect(d).toMatch(/^M[\d.]+ [\d.]+( H[\d.]+ V[\d.]+){3}$/);
    // SVG y grows downwards: rising sparsity means each V goes to a smaller y.
    const ys = [...d.matchAll(/V([\d.]+)/g)].map((match) => Number(match[1]));
    for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeLessThan(ys[i - 1]!);
    const ticks = findAll(findAll(svg, byClass('axis-x'))[0]!, byName('text')).map(textContent);
    expect(ticks[ticks.length - 1]).toBe('training step of the stage’s fine-tune');
    expect(ticks).toContain('40');
  });
});
