/** A legend row under a chart's title: a swatch (box or line) and a name per series, wrapping when full. */
import { element, text, type Markup } from '../markup.js';
import { COLOURS } from './frame.js';
import { FONT_SIZE, textWidth } from './text.js';

export interface LegendItem {
  readonly name: string;
  readonly colour: string;
  readonly swatch: 'box' | 'line' | 'dashed';
}

const ROW_HEIGHT = 18;
const SWATCH = 14;
const GAP = 6;
const ITEM_GAP = 18;

/** The legend's markup and the height it takes, laid out from `left` within `width`. */
export function legend(items: readonly LegendItem[], left: number, top: number, width: number): { markup: Markup; height: number } {
  let x = left;
  let row = 0;
  const parts: Markup[] = [];
  for (const item of items) {
    const itemWidth = SWATCH + GAP + textWidth(item.name);
    if (x > left && x + itemWidth > left + width) {
      row += 1;
      x = left;
    }
    const middle = top + row * ROW_HEIGHT + ROW_HEIGHT / 2;
    const swatch =
      item.swatch === 'box'
        ? element('rect', { x, y: middle - SWATCH / 2 + 1, width: SWATCH, height: SWATCH - 2, fill: item.colour })
        : element('line', {
            x1: x,
            x2: x + SWATCH,
            y1: middle,
            y2: middle,
            stroke: item.colour,
            'stroke-width': 2.5,
            'stroke-dasharray': item.swatch === 'dashed' ? '4 2' : undefined,
          });
    parts.push(
      element('g', { class: 'legend-item' }, [
        swatch,
        element('text', { x: x + SWATCH + GAP, y: middle, dy: '0.35em', fill: COLOURS.label, 'font-size': FONT_SIZE }, [text(item.name)]),
      ]),
    );
    x += itemWidth + ITEM_GAP;
  }
  const height = items.length === 0 ? 0 : (row + 1) * ROW_HEIGHT;
  return { markup: element('g', { class: 'legend' }, parts), height };
}
