/**
 * The sweep report as a page: the points' table and three Pareto charts (final accuracy against
 * sparsity, nonzero parameters and gzipped size), each point a dot labelled with its row number,
 * the front joined by a line. Built with the run report's markup and chart pieces.
 */
import { PALETTE } from '../runs/html/charts.js';
import { lineChart, type LinePoint } from '../runs/html/chart/lineChart.js';
import { niceDomain, tickFormat } from '../runs/html/chart/scale.js';
import { element, join, raw, text, type Markup } from '../runs/html/markup.js';
import { htmlPage } from '../runs/html/page.js';
import { code, heading, paragraph, table, type Cell } from '../runs/html/tables.js';
import type { SweepPointResult, SweepReport } from './report.js';

const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
const count = (v: number | null) => (v === null ? '—' : v.toLocaleString('en-US'));
const kib = (v: number | null) => (v === null ? '—' : (v / 1024).toFixed(1));
const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '—');

interface Tradeoff {
  readonly key: keyof SweepPointResult['pareto'];
  readonly title: string;
  readonly axis: string;
  readonly value: (p: SweepPointResult) => number | null;
  readonly format: (ticks: readonly number[]) => (v: number) => string;
}

const TRADEOFFS: readonly Tradeoff[] = [
  { key: 'sparsity', title: 'Final accuracy against sparsity', axis: 'sparsity of the model (% of its weights that are zero)', value: (p) => p.sparsity, format: () => (v) => `${(v * 100).toFixed(0)}%` },
  { key: 'nonzeros', title: 'Final accuracy against nonzero parameters', axis: 'nonzero parameters', value: (p) => p.nonzeros, format: (t) => tickFormat(t) },
  { key: 'size', title: 'Final accuracy against size on disk', axis: 'model.json + weights.bin gzipped, KiB', value: (p) => (p.gzippedBytes === null ? null : p.gzippedBytes / 1024), format: (t) => tickFormat(t) },
];

/** One chart: every point as a dot (alone between gaps), the front as a line through its points by measure. */
function paretoChart(report: SweepReport, t: Tradeoff): Markup {
  const rows = report.points.map((p, i) => ({ i, x: t.value(p), y: p.accuracy.final, front: p.pareto[t.key] }));
  const drawn = rows.filter((r): r is { i: number; x: number; y: number; front: boolean } => r.x !== null && r.y !== null);
  if (drawn.length === 0) return paragraph(`${t.title}: no point has both numbers (did the runs evaluate and export their model?).`);
  const xs = niceDomain(Math.min(...drawn.map((r) => r.x)), Math.max(...drawn.map((r) => r.x)));
  const ys = niceDomain(Math.min(...drawn.map((r) => r.y)), Math.max(...drawn.map((r) => r.y)));
  const dots: LinePoint[] = drawn.flatMap((r) => [{ x: r.x, y: r.y, label: String(r.i + 1) }, { x: r.x, y: null }]);
  const front: LinePoint[] = drawn.filter((r) => r.front).sort((a, b) => a.x - b.x).map((r) => ({ x: r.x, y: r.y }));
  return lineChart({
    kind: `pareto-${t.key}`,
    title: t.title,
    x: { kind: 'numeric', title: t.axis, domain: xs.domain, ticks: xs.ticks, format: t.format(xs.ticks) },
    y: { title: 'final test accuracy', domain: ys.domain, ticks: ys.ticks, format: (v) => `${(v * 100).toFixed(1)}%` },
    series: [
      { name: 'points (by row number)', colour: PALETTE.blue, points: dots, markers: true, valueLabels: 'above' },
      { name: 'Pareto front', colour: PALETTE.vermillion, points: front, markers: true, dashed: true },
    ],
  });
}

function pointsTable(report: SweepReport): Markup {
  const star = (on: boolean) => (on ? '★' : '');
  const header = ['#', ...report.varying, 'accuracy before', 'final accuracy', 'sparsity', 'nonzeros', 'parameters', 'gzipped KiB', 'front: sparsity', 'nonzeros', 'size', 'run'];
  const rows = report.points.map((p, i): Cell[] => [
    String(i + 1),
    ...report.varying.map((k) => shown(p.hparams[k])),
    percent(p.accuracy.beforePruning),
    percent(p.accuracy.final),
    percent(p.sparsity),
    count(p.nonzeros),
    count(p.parameters),
    kib(p.gzippedBytes),
    star(p.pareto.sparsity),
    star(p.pareto.nonzeros),
    star(p.pareto.size),
    code(p.folder),
  ]);
  const numeric = Array.from({ length: 7 }, (_, k) => report.varying.length + 1 + k);
  return table(header, rows, [0, ...numeric]);
}

export function renderSweepHtml(report: SweepReport): string {
  const fixed = report.points[0] === undefined ? [] : Object.entries(report.points[0].hparams).filter(([k]) => !report.varying.includes(k));
  const body: Markup[] = [
    element('h1', {}, [text('prune-run sweep'), element('small', {}, [text(report.name)])]),
    paragraph(
      `${report.points.length} points, varying `,
      report.varying.length === 0 ? 'nothing' : join(report.varying.map(code), raw(', ')),
      fixed.length === 0 ? '' : '; the same for all: ',
      join(fixed.map(([k, v]) => code(`${k}=${shown(v)}`)), raw(', ')),
      '. ★: on the Pareto front of final accuracy against that measure (no other point is at least as good on both and better on one).',
    ),
    heading(2, 'Points', 'points'),
    pointsTable(report),
    heading(2, 'Pareto charts', 'pareto'),
    ...TRADEOFFS.map((t) => paretoChart(report, t)),
    element('footer', {}, [text("Rendered by prune-run sweep merge from the points' run folders (record.json, manifest.json, resolved.json). The same data is in sweep.json.")]),
  ];
  return htmlPage(`prune-run sweep: ${report.name}`, body);
}
