/**
 * report.html's sensitivity section: per analysis, a chart of test accuracy against the amount
 * pruned, one line per parameter (and per channel group, dashed), all starting from the accuracy
 * before (amount 0); and under an allocating stage, the amounts it chose.
 */
import type { AllocationOutcome, SensitivityEntry } from '../record.js';
import { lineChart, type LineSeries } from './chart/lineChart.js';
import { ticksBetween } from './chart/scale.js';
import { PALETTE, type ChartOutcome } from './charts.js';
import { element, text, type Markup } from './markup.js';
import { code, heading, inline, paragraph, table } from './tables.js';

/** Up to 8 lines in distinct Okabe–Ito hues; more repeat them (the legend names every line). */
const HUES = [PALETTE.blue, PALETTE.vermillion, PALETTE.green, PALETTE.purple, PALETTE.orange, PALETTE.sky, '#000000', PALETTE.grey];

const percent = (digits: number) => (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : 'n/a');

/** The chart of one analysis: accuracy (y) against amount (x), from the baseline at 0. */
export function sensitivityChart(analysis: SensitivityEntry): ChartOutcome {
  if (analysis.curves.length === 0) return { svg: null, notes: [`${analysis.taskId} measured no curve.`] };
  const series: LineSeries[] = analysis.curves.map((curve, i) => ({
    name: curve.kind === 'group' ? `${curve.name} (channel group)` : curve.name,
    colour: HUES[i % HUES.length]!,
    dashed: curve.kind === 'group',
    markers: true,
    points: [{ x: 0, y: analysis.baseline.accuracy }, ...curve.points.map((p) => ({ x: p.amount, y: Number.isFinite(p.accuracy) ? p.accuracy : null }))],
  }));
  const lowest = Math.min(analysis.baseline.accuracy, ...analysis.curves.flatMap((c) => c.points.map((p) => p.accuracy)).filter(Number.isFinite));
  // From a tick below the lowest accuracy to 100%: a collapse to chance stays on the chart, and
  // curves that all stay high get a finer axis.
  const step = lowest < 0.5 ? 0.2 : 0.1;
  const bottom = Math.max(0, Math.round(Math.floor(lowest / step) * step * 10) / 10);
  return {
    svg: lineChart({
      kind: 'sensitivity',
      title: `Sensitivity (${analysis.taskId}): test accuracy with one subject pruned alone`,
      x: { kind: 'numeric', title: 'amount pruned (fraction of its unpruned entries, or of its channels)', domain: [0, 1], ticks: ticksBetween(0, 1, 0.1), format: percent(0) },
      y: { title: 'test accuracy', domain: [bottom, 1], ticks: ticksBetween(bottom, 1, step), format: percent(0) },
      series,
      plotHeight: 300,
    }),
    notes: [
      `Accuracy before: ${percent(2)(analysis.baseline.accuracy)} on ${analysis.baseline.count} test images. A flat line is a parameter that can lose that much alone; ` +
        'a steep one is sensitive. Parameters: l1_unstructured (smallest |w| first); channel groups: lowest group importance first.',
    ],
  };
}

export function sensitivitySection(analyses: readonly SensitivityEntry[]): Markup[] {
  if (analyses.length === 0) return [];
  return [
    heading(2, 'Sensitivity', 'sensitivity'),
    ...analyses.flatMap((analysis) => {
      const chart = sensitivityChart(analysis);
      const notes = chart.notes.map((n) => element('figcaption', {}, [text(n)]));
      return [
        element('figure', {}, chart.svg === null ? notes : [chart.svg, ...notes]),
        table(
          ['subject', ...analysis.amounts.map((a) => percent(0)(a))],
          analysis.curves.map((c) => [code(c.name), ...c.points.map((p) => percent(2)(p.accuracy))]),
          analysis.amounts.map((_, i) => i + 1),
        ),
        paragraph('The curves as data: ', code('sensitivity.json'), ', ', code('sensitivity.csv'), '.'),
      ];
    }),
  ];
}

/** Under a stage that allocated: what it chose, parameter by parameter. */
export function allocationTables(allocations: readonly AllocationOutcome[]): Markup[] {
  return allocations.flatMap((a) => [
    paragraph(
      inline(
        'Amounts allocated from ',
        code(a.sensitivity),
        `: ${a.budget} of ${a.candidates} unpruned entries; accuracy there ${percent(2)(a.baseline)}, predicted after this step ${percent(2)(a.predictedAccuracy)} (each parameter's loss alone, added up).`,
      ),
    ),
    table(
      ['parameter', 'pruned', 'of', 'amount', 'its curve predicts'],
      a.parameters.map((p) => [code(p.name), String(p.count), String(p.candidates), percent(2)(p.amount), percent(2)(p.predictedAccuracy)]),
      [1, 2, 3, 4],
    ),
  ]);
}
