/**
 * The report's charts, each from the record or the metrics lines. A chart with nothing to
 * draw is replaced by a sentence saying why (an empty frame tells a reader nothing).
 */
import type { MetricsRecord } from '../metrics.js';
import type { ParameterEntry } from '../record.js';
import { barChart } from './chart/barChart.js';
import { lineChart, type LinePoint, type LineSeries, type XMarker } from './chart/lineChart.js';
import { integerTicks, niceDomain, tickFormat, ticksBetween } from './chart/scale.js';
import type { Markup } from './markup.js';
import { lossCurve, parameterState, runPoints, scheduleSeries, type ParameterState, type RunPoint } from './series.js';

/** A chart, or the reason there is none; notes say what a reader should know about what is drawn. */
export type ChartOutcome = { readonly svg: Markup; readonly notes: readonly string[] } | { readonly svg: null; readonly notes: readonly string[] };

/** Colour-blind-safe (Okabe–Ito) hues, readable on white. */
export const PALETTE = {
  blue: '#0072b2',
  orange: '#e69f00',
  green: '#009e73',
  vermillion: '#d55e00',
  purple: '#cc79a7',
  sky: '#56b4e9',
  grey: '#9a9a9a',
} as const;

const SERIES_CYCLE = [PALETTE.blue, PALETTE.vermillion, PALETTE.green, PALETTE.purple, PALETTE.orange, PALETTE.sky];

const percent = (digits: number) => (v: number) => `${(v * 100).toFixed(digits)}%`;

const STATE_LEGEND: Readonly<Record<ParameterState, { name: string; colour: string }>> = {
  masked: { name: 'pruned (has a mask)', colour: PALETTE.blue },
  collapsed: { name: 'pruned above 99%: layer collapse', colour: PALETTE.vermillion },
  unmasked: { name: 'no mask (never pruned, or made permanent by remove)', colour: PALETTE.grey },
};

/** 1. Every parameter's final sparsity, one bar each, so a collapsed layer stands out in red. */
export function parameterSparsityChart(parameters: readonly ParameterEntry[]): ChartOutcome {
  if (parameters.length === 0) return { svg: null, notes: ['The record lists no parameters (the run did not export the model).'] };
  const states = parameters.map(parameterState);
  const present = (['masked', 'collapsed', 'unmasked'] as const).filter((s) => states.includes(s));
  return {
    svg: barChart({
      kind: 'parameter-sparsity',
      title: 'Sparsity of each parameter at the end of the run',
      axisTitle: 'sparsity (% of the parameter’s entries that are zero)',
      bars: parameters.map((p, i) => ({
        key: p.name,
        label: p.name,
        value: Number.isFinite(p.figures.sparsity) ? Math.min(1, Math.max(0, p.figures.sparsity)) : 0,
        colour: STATE_LEGEND[states[i]!].colour,
        // A parameter without a mask says so beside its bar (at 0% there is no bar to colour).
        valueLabel: `${Number.isFinite(p.figures.sparsity) ? percent(2)(p.figures.sparsity) : 'n/a'}${states[i] === 'unmasked' ? ' · no mask' : ''}`,
      })),
      legend: present.map((s) => STATE_LEGEND[s]),
    }),
    notes: [],
  };
}

/** The run's points as one series, labelled with their values: accuracy and sparsity each draw one. */
function pointSeries(points: readonly RunPoint[], name: string, colour: string, value: (p: RunPoint) => number | null, digits: number, dashed: boolean): LineSeries {
  return {
    name,
    colour,
    markers: true,
    dashed,
    valueLabels: 'above',
    points: points.map((p, i): LinePoint => {
      const v = value(p);
      return v === null ? { x: i, y: null } : { x: i, y: v, label: percent(digits)(v) };
    }),
  };
}

/**
 * 2. Test accuracy at each point of the run, on an axis of its own that spans the values: a
 * change from 96.4% to 97.0% is what a reader looks for, and on a shared 0–100% axis it is flat.
 */
export function accuracyChart(metrics: readonly MetricsRecord[]): ChartOutcome | null {
  const points = runPoints(metrics);
  const values = points.flatMap((p) => (p.accuracy === null ? [] : [p.accuracy]));
  if (values.length === 0) return null;
  // Half a point of room at least, so that equal accuracies do not sit on the frame.
  const low = Math.max(0, Math.min(...values) - 0.005);
  const high = Math.min(1, Math.max(...values) + 0.005);
  const y = niceDomain(low, high, 4);
  const domain: [number, number] = [Math.max(0, y.domain[0]), Math.min(1, y.domain[1])];
  const step = (y.ticks[1] ?? 1) - (y.ticks[0] ?? 0);
  return {
    svg: lineChart({
      kind: 'accuracy',
      title: 'Test accuracy through the run',
      x: { kind: 'category', title: 'point of the run, in order', labels: points.map((p) => p.label) },
      y: { title: 'test accuracy', domain, ticks: y.ticks.filter((t) => t >= domain[0] && t <= domain[1]), format: percent(step >= 0.01 ? 0 : 1) },
      series: [pointSeries(points, 'test accuracy', PALETTE.green, (p) => p.accuracy, 2, false)],
    }),
    notes: [`The axis spans the accuracies reached (${percent(2)(Math.min(...values))} to ${percent(2)(Math.max(...values))}), not 0–100%.`],
  };
}

/** 3. Global sparsity of the pruned parameters at each point of the run, 0–100%. */
export function runPointsChart(metrics: readonly MetricsRecord[]): ChartOutcome {
  const points = runPoints(metrics);
  if (points.length === 0) return { svg: null, notes: ['No pruning step and no evaluation in metrics.jsonl: there are no points to plot.'] };
  const evaluated = points.some((p) => p.accuracy !== null);
  return {
    svg: lineChart({
      kind: 'run-points',
      title: evaluated ? 'Global sparsity through the run' : 'Global sparsity after each stage',
      x: { kind: 'category', title: 'point of the run, in order', labels: points.map((p) => p.label) },
      y: { title: 'global sparsity', domain: [0, 1], ticks: ticksBetween(0, 1, 0.2), format: percent(0) },
      series: [pointSeries(points, 'global sparsity of the pruned parameters', PALETTE.blue, (p) => p.sparsity, 1, true)],
    }),
    notes: evaluated ? [] : ['The run did not evaluate (no data, or report.evaluate is off): only sparsity is shown.'],
  };
}

/** 4. Training and fine-tune loss in run order; stage boundaries marked. */
export function lossChart(metrics: readonly MetricsRecord[]): ChartOutcome {
  const curve = lossCurve(metrics);
  const finiteLosses = curve.segments.flatMap((s) => [...s.points, ...s.epochMeans]).flatMap((p) => (p.loss === null ? [] : [p.loss]));
  if (curve.segments.length === 0) return { svg: null, notes: ['The run did not train or fine-tune: there is no loss curve.'] };
  if (finiteLosses.length === 0) return { svg: null, notes: ['Every loss the run recorded was non-finite (NaN or ∞): training diverged.'] };
  const phases = (['train', 'finetune'] as const).filter((phase) => curve.segments.some((s) => s.phase === phase));
  const style = { train: { name: 'training', colour: PALETTE.blue }, finetune: { name: 'fine-tuning', colour: PALETTE.orange } };
  const series: LineSeries[] = phases.map((phase) => ({
    ...style[phase],
    markers: curve.unit === 'epoch',
    // A null between segments keeps two fine-tunes (two stages) from being joined by a line.
    points: curve.segments.filter((s) => s.phase === phase).flatMap((s): LinePoint[] => [...s.points.map((p) => ({ x: p.x, y: p.loss })), { x: s.start, y: null }]),
  }));
  if (curve.unit === 'step' && curve.segments.some((s) => s.epochMeans.length > 0)) {
    series.push({
      name: 'epoch mean',
      colour: '#333333',
      markers: true,
      points: curve.segments.flatMap((s): LinePoint[] => [...s.epochMeans.map((p) => ({ x: p.x, y: p.loss })), { x: s.start, y: null }]),
    });
  }
  const last = Math.max(...curve.segments.flatMap((s) => s.points.map((p) => p.x)));
  const first = curve.unit === 'epoch' ? 1 : Math.min(...curve.segments.flatMap((s) => s.points.map((p) => p.x)));
  const y = niceDomain(0, Math.max(...finiteLosses));
  const markers: XMarker[] = curve.segments
    .filter((s) => s.phase === 'finetune')
    .map((s) => ({ x: s.start + 0.5, label: `fine-tune ${s.stage}` }));
  const notes: string[] = [];
  if (curve.nonFinite > 0) {
    notes.push(
      `${curve.nonFinite} ${curve.unit}${curve.nonFinite === 1 ? '' : 's'} had a non-finite loss (NaN or ∞, null in metrics.jsonl): the line breaks there.`,
    );
  }
  return {
    svg: lineChart({
      kind: 'loss',
      title: curve.unit === 'epoch' ? 'Training loss per epoch' : 'Training loss per step',
      x: {
        kind: 'numeric',
        title: curve.unit === 'epoch' ? 'epoch (counted on across training and each fine-tune)' : 'training step (counted on across tasks)',
        domain: [curve.unit === 'epoch' ? 0.5 : first, curve.unit === 'epoch' ? last + 0.5 : last],
        ticks: integerTicks(first, last),
        format: (v) => String(v),
      },
      y: { title: curve.unit === 'epoch' ? 'loss (epoch mean)' : 'loss (per batch)', domain: y.domain, ticks: y.ticks, format: tickFormat(y.ticks) },
      series,
      markers,
    }),
    notes,
  };
}

/** 5. Scheduled pruning: global sparsity after each mask update during training; none when no schedule ran. */
export function scheduleChart(metrics: readonly MetricsRecord[]): ChartOutcome | null {
  const schedules = scheduleSeries(metrics);
  if (schedules.length === 0) return null;
  const steps = schedules.flatMap((s) => s.points.map((p) => p.step));
  const values = schedules.flatMap((s) => s.points.flatMap((p) => (p.sparsity === null ? [] : [p.sparsity])));
  const top = Math.min(1, Math.max(0.01, ...values));
  const y = niceDomain(0, top);
  const first = Math.min(...steps);
  const last = Math.max(...steps);
  return {
    svg: lineChart({
      kind: 'schedule',
      title: `Scheduled pruning${schedules.length === 1 ? ` (${schedules[0]!.name})` : ''}: sparsity after each mask update`,
      x: { kind: 'numeric', title: 'training step of the stage’s fine-tune', domain: [Math.min(0, first), Math.max(last, first + 1)], ticks: integerTicks(Math.min(0, first), last), format: (v) => String(v) },
      y: { title: 'global sparsity (%)', domain: [0, Math.min(1, y.domain[1])], ticks: y.ticks.filter((t) => t <= 1), format: percent(0) },
      series: schedules.map((s, i) => ({
        name: s.name,
        colour: SERIES_CYCLE[i % SERIES_CYCLE.length]!,
        shape: 'step-after',
        markers: s.points.length <= 60,
        points: s.points.map((p) => ({ x: p.step, y: p.sparsity })),
      })),
    }),
    notes: schedules.length > 1 ? ['Each stage counts its own steps from 0, so their lines share the x axis.'] : [],
  };
}
