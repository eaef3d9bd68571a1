/** Axes with ticks, tick labels, grid lines and a title (which carries the unit). */
import { element, text, type Markup } from '../markup.js';
import { COLOURS, type Rect } from './frame.js';
import type { LinearScale } from './scale.js';
import { fitText, FONT_SIZE, textWidth } from './text.js';

const TICK = 5;
const SMALL = FONT_SIZE - 1;

/** Left axis: horizontal grid lines across the plot at each tick, labels to the left, title rotated. */
export function leftAxis(plot: Rect, y: LinearScale, ticks: readonly number[], format: (v: number) => string, title: string, titleX: number): Markup {
  const parts: Markup[] = [];
  for (const tick of ticks) {
    const at = y(tick);
    parts.push(
      element('line', { x1: plot.left, x2: plot.left + plot.width, y1: at, y2: at, stroke: COLOURS.grid }),
      element('line', { x1: plot.left - TICK, x2: plot.left, y1: at, y2: at, stroke: COLOURS.axis }),
      element('text', { x: plot.left - TICK - 3, y: at, dy: '0.35em', 'text-anchor': 'end', fill: COLOURS.label, 'font-size': SMALL }, [text(format(tick))]),
    );
  }
  const middle = plot.top + plot.height / 2;
  parts.push(
    element('line', { x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.top + plot.height, stroke: COLOURS.axis }),
    // Turned along the axis, so it may be no longer than the axis.
    element('text', { x: titleX, y: middle, 'text-anchor': 'middle', fill: COLOURS.label, transform: `rotate(-90 ${titleX} ${middle})` }, [
      text(fitText(title, plot.height)),
    ]),
  );
  return element('g', { class: 'axis axis-y' }, parts);
}

/** Width the left axis's tick labels need. */
export function leftAxisLabelWidth(ticks: readonly number[], format: (v: number) => string): number {
  return Math.max(0, ...ticks.map((t) => textWidth(format(t), SMALL))) + TICK + 3;
}

/** Bottom axis of numbers: tick marks and labels under the plot, the title below them. */
export function bottomAxis(
  plot: Rect,
  x: LinearScale,
  ticks: readonly number[],
  format: (v: number) => string,
  title: string,
  options: { grid?: boolean } = {},
): Markup {
  const bottom = plot.top + plot.height;
  const parts: Markup[] = [];
  for (const tick of ticks) {
    const at = x(tick);
    if (options.grid === true) parts.push(element('line', { x1: at, x2: at, y1: plot.top, y2: bottom, stroke: COLOURS.grid }));
    parts.push(
      element('line', { x1: at, x2: at, y1: bottom, y2: bottom + TICK, stroke: COLOURS.axis }),
      element('text', { x: at, y: bottom + TICK + 12, 'text-anchor': 'middle', fill: COLOURS.label, 'font-size': SMALL }, [text(format(tick))]),
    );
  }
  parts.push(
    element('line', { x1: plot.left, x2: plot.left + plot.width, y1: bottom, y2: bottom, stroke: COLOURS.axis }),
    element('text', { x: plot.left + plot.width / 2, y: bottom + BOTTOM_AXIS_HEIGHT - 4, 'text-anchor': 'middle', fill: COLOURS.label }, [text(title)]),
  );
  return element('g', { class: 'axis axis-x' }, parts);
}

/** Height a numeric bottom axis takes below the plot: ticks, labels and title. */
export const BOTTOM_AXIS_HEIGHT = 40;

/** Widest a category label may be (about 44 characters) before it is cut with an ellipsis. */
const MAX_CATEGORY_WIDTH = 290;
export const ROTATION_DEGREES = 35;

export interface CategoryLayout {
  readonly rotated: boolean;
  /** Height below the plot that the labels and the title take. */
  readonly height: number;
  readonly labels: readonly string[];
}

/**
 * Category labels lie flat when each fits its slot, and are turned 35° otherwise (so long stage
 * names never overlap); the height below the plot follows from the longest one.
 */
export function layoutCategories(labels: readonly string[], slot: number): CategoryLayout {
  const fitted = labels.map((l) => fitText(l, MAX_CATEGORY_WIDTH, SMALL));
  const widest = Math.max(0, ...fitted.map((l) => textWidth(l, SMALL)));
  if (widest <= slot - 8) return { rotated: false, height: BOTTOM_AXIS_HEIGHT, labels: fitted };
  const drop = widest * Math.sin((ROTATION_DEGREES * Math.PI) / 180) + SMALL;
  return { rotated: true, height: TICK + 8 + drop + 22, labels: fitted };
}

/** Bottom axis of categories at the given x positions, laid out by layoutCategories. */
export function categoryAxis(plot: Rect, positions: readonly number[], layout: CategoryLayout, fullLabels: readonly string[], title: string): Markup {
  const bottom = plot.top + plot.height;
  const parts: Markup[] = [];
  positions.forEach((at, i) => {
    const label = layout.labels[i] ?? '';
    const y = bottom + TICK + 12;
    const labelText = element(
      'text',
      layout.rotated
        ? { x: at, y, 'text-anchor': 'end', fill: COLOURS.label, 'font-size': SMALL, transform: `rotate(-${ROTATION_DEGREES} ${at} ${y - 4})` }
        : { x: at, y, 'text-anchor': 'middle', fill: COLOURS.label, 'font-size': SMALL },
      // A cut label keeps its full text as a tooltip.
      label === fullLabels[i] ? [text(label)] : [element('title', {}, [text(fullLabels[i] ?? '')]), text(label)],
    );
    parts.push(element('line', { x1: at, x2: at, y1: bottom, y2: bottom + TICK, stroke: COLOURS.axis }), labelText);
  });
  parts.push(
    element('line', { x1: plot.left, x2: plot.left + plot.width, y1: bottom, y2: bottom, stroke: COLOURS.axis }),
    element('text', { x: plot.left + plot.width / 2, y: bottom + layout.height - 4, 'text-anchor': 'middle', fill: COLOURS.label }, [text(title)]),
  );
  return element('g', { class: 'axis axis-x' }, parts);
}
