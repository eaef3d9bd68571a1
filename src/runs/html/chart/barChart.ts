/**
 * Horizontal bars over a 0–100% axis, one row per item, each on a light full-width track so a
 * 0% bar still shows its row and a 100% bar reads as full. The bar's width is its value's share
 * of the axis, exactly (the tests hold it to that).
 */
import { element, text, type Markup } from '../markup.js';
import { bottomAxis, BOTTOM_AXIS_HEIGHT } from './axes.js';
import { chartSvg, COLOURS, TITLE_HEIGHT, type Rect } from './frame.js';
import { legend, type LegendItem } from './legend.js';
import { linearScale, ticksBetween } from './scale.js';
import { fitText, FONT_SIZE, textWidth } from './text.js';

export interface Bar {
  readonly label: string;
  /** A fraction in [0, 1]. */
  readonly value: number;
  readonly colour: string;
  /** Printed right of the bar. */
  readonly valueLabel: string;
  /** Names the row in the markup (data-item). */
  readonly key: string;
}

export interface BarChartSpec {
  readonly kind: string;
  readonly title: string;
  readonly axisTitle: string;
  readonly bars: readonly Bar[];
  readonly legend: readonly { readonly name: string; readonly colour: string }[];
  readonly width?: number;
}

const ROW = 22;
const BAR = 14;
const MAX_LABEL_WIDTH = 240;
/** Room right of the axis for a 100% bar's value label. */
const RIGHT = 64;

export function barChart(spec: BarChartSpec): Markup {
  const width = spec.width ?? 720;
  const labels = spec.bars.map((b) => fitText(b.label, MAX_LABEL_WIDTH));
  const left = 16 + Math.max(40, ...labels.map((l) => textWidth(l)));
  const legendItems: LegendItem[] = spec.legend.length > 1 ? spec.legend.map((l) => ({ ...l, swatch: 'box' })) : [];
  const legendBlock = legend(legendItems, left, TITLE_HEIGHT, width - left - RIGHT);
  const top = TITLE_HEIGHT + legendBlock.height + (legendItems.length > 0 ? 8 : 0) + 6;
  const plot: Rect = { left, top, width: width - left - RIGHT, height: spec.bars.length * ROW };
  const x = linearScale([0, 1], [plot.left, plot.left + plot.width]);
  const ticks = ticksBetween(0, 1, 0.2);

  const rows = spec.bars.map((bar, i) => {
    if (!(bar.value >= 0 && bar.value <= 1)) throw new Error(`bar ${bar.key}: value ${bar.value} is not a fraction in [0, 1]`);
    const middle = top + i * ROW + ROW / 2;
    const barTop = middle - BAR / 2;
    const label = labels[i]!;
    return element('g', { class: 'bar-row', 'data-item': bar.key }, [
      element('text', { x: left - 8, y: middle, dy: '0.35em', 'text-anchor': 'end', fill: COLOURS.label }, [
        ...(label === bar.label ? [] : [element('title', {}, [text(bar.label)])]),
        text(label),
      ]),
      element('rect', { class: 'bar', x: plot.left, y: barTop, width: x(bar.value) - plot.left, height: BAR, fill: bar.colour }),
      element('text', { class: 'value-label', x: x(bar.value) + 5, y: middle, dy: '0.35em', fill: COLOURS.label, 'font-size': FONT_SIZE - 1 }, [
        text(bar.valueLabel),
      ]),
    ]);
  });
  // Tracks under the grid lines, bars over them: the grid stays readable across every row.
  const tracks = spec.bars.map((_, i) =>
    element('rect', { class: 'track', x: plot.left, y: top + i * ROW + (ROW - BAR) / 2, width: plot.width, height: BAR, fill: COLOURS.track }),
  );
  const axis = bottomAxis(plot, x, ticks, (v) => `${Math.round(v * 100)}%`, spec.axisTitle, { grid: true });
  return chartSvg(spec.kind, spec.title, width, top + plot.height + BOTTOM_AXIS_HEIGHT + 6, [
    legendBlock.markup,
    element('rect', { class: 'plot-area', x: plot.left, y: plot.top, width: plot.width, height: plot.height, fill: 'none' }),
    ...tracks,
    axis,
    ...rows,
  ]);
}
