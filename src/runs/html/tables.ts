/** HTML pieces for the report's text: tables, code spans, lists. Every value goes through text(). */
import { historyText } from './historyText.js';
import { element, join, Markup, raw, text } from './markup.js';

export type Cell = Markup | string;

const cell = (c: Cell): Markup => (c instanceof Markup ? c : text(c));

/** A table; columns listed in `numeric` are right-aligned (numbers line up by their last digit). */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[], numeric: readonly number[] = []): Markup {
  const align = (i: number) => (numeric.includes(i) ? 'num' : undefined);
  return element('table', {}, [
    element('thead', {}, [element('tr', {}, header.map((h, i) => element('th', { class: align(i) }, [text(h)])))]),
    element('tbody', {}, rows.map((row) => element('tr', {}, row.map((c, i) => element('td', { class: align(i) }, [cell(c)]))))),
  ]);
}

export const code = (value: string): Markup => element('code', {}, [text(value)]);
export const strong = (value: string): Markup => element('strong', {}, [text(value)]);

/** Inline pieces side by side (text and code spans in one sentence). */
export function inline(...parts: readonly Cell[]): Markup {
  return join(parts.map(cell), raw(''));
}

export function list(items: readonly Cell[]): Markup {
  return element('ul', {}, items.map((i) => element('li', {}, [cell(i)])));
}

export function paragraph(...parts: readonly Cell[]): Markup {
  return element('p', {}, [inline(...parts)]);
}

export function heading(level: 2 | 3, title: string, id?: string): Markup {
  return element(`h${level}`, { id }, [text(title)]);
}

/**
 * A parameter's pruning history: each method applied, in order, as a few words (historyText.ts)
 * rather than its JSON record (which record.json keeps), so a table of them reads at a glance.
 */
export function history(entries: readonly Record<string, unknown>[]): Markup {
  if (entries.length === 0) return text('—');
  const record = (h: Record<string, unknown>) => element('span', { class: 'history' }, [text(historyText(h))]);
  const all = join(entries.map(record), raw(' → '));
  if (entries.length <= LONG_HISTORY) return all;
  // Scheduled pruning adds an entry per mask update: show the first and the last, the rest on a click.
  return element('details', {}, [
    element('summary', {}, [text(`${entries.length} entries: `), record(entries[0]!), text(' → … → '), record(entries[entries.length - 1]!)]),
    all,
  ]);
}

/** Histories longer than this are folded into a <details> (no script: the browser opens it). */
const LONG_HISTORY = 4;

/** Text that must stay on one line (a shape such as [3, 3, 1, 6]). */
export const nowrap = (value: string): Markup => element('span', { class: 'nowrap' }, [text(value)]);
