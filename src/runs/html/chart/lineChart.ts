/**
 * Line charts: series of (x, y) points over a numeric or a category x axis and one y axis. A
 * point with y = null (a loss that was not finite) breaks its line there instead of bending it
 * to a made-up value; a point standing alone between gaps still gets a marker.
 */
import { element, text, type Markup } from '../markup.js';
import { bottomAxis, BOTTOM_AXIS_HEIGHT, categoryAxis, layoutCategories, leftAxis, leftAxisLabelWidth, ROTATION_DEGREES } from './axes.js';
import { chartSvg, COLOURS, TITLE_HEIGHT, type Rect } from './frame.js';
import { legend, type LegendItem } from './legend.js';
import { linearScale } from './scale.js';
import { FONT_SIZE, textWidth } from './text.js';

export interface LinePoint {
  readonly x: number;
  readonly y: number | null;
  /** Printed beside the point's marker when the series has valueLabels. */
  readonly label?: string;
}

export interface LineSeries {
  readonly name: string;
  readonly colour: string;
  readonly points: readonly LinePoint[];
  /** A dot at every point (always at points that stand alone). */
  readonly markers?: boolean;
  /** 'step-after': the value holds until the next point (a mask holds until its next update). */
  readonly shape?: 'linear' | 'step-after';
  readonly dashed?: boolean;
  readonly valueLabels?: 'above' | 'below';
}

export type XAxisSpec =
  | {
      readonly kind: 'numeric';
      readonly title: string;
      readonly domain: readonly [number, number];
      readonly ticks: readonly number[];
      readonly format: (v: number) => string;
    }
  /** Points at x = 0 … labels.length − 1, evenly spaced. */
  | { readonly kind: 'category'; readonly title: string; readonly labels: readonly string[] };

export interface YAxisSpec {
  readonly title: string;
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
  readonly format: (v: number) => string;
}

/** A vertical rule across the plot at x, named (a stage boundary). */
export interface XMarker {
  readonly x: number;
  readonly label: string;
}

export interface LineChartSpec {
  readonly kind: string;
  readonly title: string;
  readonly x: XAxisSpec;
  readonly y: YAxisSpec;
  readonly series: readonly LineSeries[];
  readonly markers?: readonly XMarker[];
  readonly width?: number;
  readonly plotHeight?: number;
}

const RIGHT = 24;
const MARKER_RADIUS = 3.5;

/** Consecutive points with a finite y, in order: each run is drawn as one unbroken line. */
export function finiteRuns(points: readonly LinePoint[]): { x: number; y: number; label?: string }[][] {
  const runs: { x: number; y: number; label?: string }[][] = [];
  let current: { x: number; y: number; label?: string }[] = [];
  for (const p of points) {
    if (p.y === null || !Number.isFinite(p.y)) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push({ x: p.x, y: p.y, ...(p.label === undefined ? {} : { label: p.label }) });
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

function pathData(run: readonly { x: number; y: number }[], shape: 'linear' | 'step-after', sx: (v: number) => number, sy: (v: number) => number): string {
  const r = (v: number) => String(Math.round(v * 100) / 100);
  return run
    .map((p, i) => {
      if (i === 0) return `M${r(sx(p.x))} ${r(sy(p.y))}`;
      return shape === 'step-after' ? `H${r(sx(p.x))} V${r(sy(p.y))}` : `L${r(sx(p.x))} ${r(sy(p.y))}`;
    })
    .join(' ');
}

export function lineChart(spec: LineChartSpec): Markup {
  const width = spec.width ?? 720;
  const plotHeight = spec.plotHeight ?? 220;
  const yLabels = leftAxisLabelWidth(spec.y.ticks, spec.y.format);
  let left = 22 + yLabels;

  const legendItems: LegendItem[] = spec.series.length > 1
    ? spec.series.map((s) => ({ name: s.name, colour: s.colour, swatch: s.dashed === true ? 'dashed' : 'line' }))
    : [];
  const legendBlock = legend(legendItems, left, TITLE_HEIGHT, width - left - RIGHT);
  const top = TITLE_HEIGHT + legendBlock.height + (legendItems.length > 0 ? 8 : 0) + 10;

  let xOf: (v: number) => number;
  let xAxis: (plot: Rect) => Markup;
  let below: number;
  if (spec.x.kind === 'category') {
    const labels = spec.x.labels;
    const slot = (width - left - RIGHT) / Math.max(1, labels.length);
    const layout = layoutCategories(labels, slot);
    if (layout.rotated) {
      // A turned label reaches left of its point: the first one must stay inside the image.
      // With n points the first sits at left + (width − left − RIGHT) / 2n; solved for left.
      const reach = textWidth(layout.labels[0] ?? '', FONT_SIZE - 1) * Math.cos((ROTATION_DEGREES * Math.PI) / 180);
      const half = 1 / (2 * Math.max(1, labels.length));
      left = Math.max(left, (reach + 4 - (width - RIGHT) * half) / (1 - half));
    }
    const slotWidth = (width - left - RIGHT) / Math.max(1, labels.length);
    xOf = (v: number) => left + slotWidth * (v + 0.5);
    below = layout.height;
    const title = spec.x.title;
    xAxis = (plot) => categoryAxis(plot, labels.map((_, i) => xOf(i)), layout, labels, title);
  } else {
    const scale = linearScale(spec.x.domain, [left, width - RIGHT]);
    const axisSpec = spec.x;
    xOf = scale;
    below = BOTTOM_AXIS_HEIGHT;
    xAxis = (plot) => bottomAxis(plot, scale, axisSpec.ticks, axisSpec.format, axisSpec.title);
  }
  const plot: Rect = { left, top, width: width - left - RIGHT, height: plotHeight };
  const y = linearScale(spec.y.domain, [top + plotHeight, top]);

  const parts: Markup[] = [
    legendBlock.markup,
    element('rect', { class: 'plot-area', x: plot.left, y: plot.top, width: plot.width, height: plot.height, fill: 'none' }),
    leftAxis(plot, y, spec.y.ticks, spec.y.format, spec.y.title, 12),
    xAxis(plot),
  ];
  parts.push(...xMarkers(spec.markers ?? [], plot, xOf));
  // Value labels already drawn, over every series: a label that would overlap one is left out.
  const placed: LabelBox[] = [];
  for (const series of spec.series) parts.push(seriesMarkup(series, plot, xOf, y, placed));
  return chartSvg(spec.kind, spec.title, width, top + plotHeight + below + 4, parts);
}

/** Stage boundaries: a dashed rule, its name written up along it (so close rules do not collide). */
function xMarkers(markers: readonly XMarker[], plot: Rect, xOf: (v: number) => number): Markup[] {
  const positions = markers.map((m) => xOf(m.x));
  return markers.map((m, i) => {
    const at = positions[i]!;
    const roomy = positions.every((p, j) => j === i || Math.abs(p - at) >= 14);
    const labelX = at - 4;
    const labelY = plot.top + 4;
    return element('g', { class: 'x-marker' }, [
      element('line', { x1: at, x2: at, y1: plot.top, y2: plot.top + plot.height, stroke: COLOURS.muted, 'stroke-dasharray': '3 3' }),
      ...(roomy
        ? [
            element(
              'text',
              { x: labelX, y: labelY, 'text-anchor': 'end', fill: COLOURS.muted, 'font-size': FONT_SIZE - 2, transform: `rotate(-90 ${labelX} ${labelY})` },
              [text(m.label)],
            ),
          ]
        : []),
    ]);
  });
}

/** Where a value label is drawn: its text's box, centred on x, its baseline at y. */
interface LabelBox {
  readonly left: number;
  readonly right: number;
  readonly baseline: number;
}

const LABEL_GAP = 3;

function overlaps(a: LabelBox, b: LabelBox): boolean {
  return a.left < b.right + LABEL_GAP && b.left < a.right + LABEL_GAP && Math.abs(a.baseline - b.baseline) < FONT_SIZE;
}

function seriesMarkup(series: LineSeries, plot: Rect, xOf: (v: number) => number, y: (v: number) => number, placed: LabelBox[]): Markup {
  const runs = finiteRuns(series.points);
  const shape = series.shape ?? 'linear';
  const parts: Markup[] = runs
    .filter((run) => run.length > 1)
    .map((run) =>
      element('path', {
        class: 'line',
        d: pathData(run, shape, xOf, y),
        fill: 'none',
        stroke: series.colour,
        'stroke-width': 2,
        'stroke-linejoin': 'round',
        'stroke-dasharray': series.dashed === true ? '6 3' : undefined,
      }),
    );
  for (const run of runs) {
    for (const p of run) {
      if (series.markers === true || run.length === 1) {
        parts.push(element('circle', { class: 'marker', cx: xOf(p.x), cy: y(p.y), r: MARKER_RADIUS, fill: series.colour }));
      }
      if (series.valueLabels !== undefined && p.label !== undefined) {
        // Above or below the marker as asked, unless that would leave the plot (0% below, 100% above).
        const at = y(p.y);
        const above = series.valueLabels === 'above' ? at >= plot.top + 4 : at > plot.top + plot.height - 18;
        const half = textWidth(p.label, FONT_SIZE - 1) / 2;
        const box = { left: xOf(p.x) - half, right: xOf(p.x) + half, baseline: at + (above ? -8 : 16) };
        // Points closer than their labels are wide (many cycles, a long schedule): the marker stays, the label goes.
        if (placed.some((other) => overlaps(box, other))) continue;
        placed.push(box);
        parts.push(
          element(
            'text',
            { class: 'value-label', x: xOf(p.x), y: at + (above ? -8 : 16), 'text-anchor': 'middle', fill: series.colour, 'font-size': FONT_SIZE - 1 },
            [text(p.label)],
          ),
        );
      }
    }
  }
  return element('g', { class: 'series', 'data-series': series.name }, parts);
}
