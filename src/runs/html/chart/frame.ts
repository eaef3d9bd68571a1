/** The parts every chart shares: the <svg> root with its title, and the plot rectangle inside it. */
import { element, text, type Markup } from '../markup.js';
import { FONT_FAMILY, FONT_SIZE } from './text.js';

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export const TITLE_SIZE = 14;
/** Height the title takes at the top of a chart (its baseline sits at 20). */
export const TITLE_HEIGHT = 30;

export const COLOURS = {
  axis: '#555555',
  grid: '#e3e3e3',
  label: '#333333',
  muted: '#777777',
  track: '#f1f1f1',
} as const;

/**
 * A chart's <svg>: standalone (xmlns, its own font), titled for screen readers (<title>) and on
 * the page (a heading inside the image, so a copied chart keeps it). `kind` names the chart for
 * readers of the markup (and the tests).
 */
export function chartSvg(kind: string, title: string, width: number, height: number, content: readonly Markup[]): Markup {
  return element(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      class: 'chart',
      'data-chart': kind,
      viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`,
      width: Math.ceil(width),
      height: Math.ceil(height),
      role: 'img',
      'font-family': FONT_FAMILY,
      'font-size': FONT_SIZE,
    },
    [
      element('title', {}, [text(title)]),
      element('text', { x: 0, y: 20, 'font-size': TITLE_SIZE, 'font-weight': 600, fill: COLOURS.label }, [text(title)]),
      ...content,
    ],
  );
}
