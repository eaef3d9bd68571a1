/**
 * How validation messages name things: a place in the recipe as the user would write it
 * (`stages[0].global.amount`), a value in a few words, and the closest known key to a typo.
 */
import { getPath, type PathSegment } from './positions.js';

/** JSON pointer ("/stages/0/name") → path segments, unescaping ~1 and ~0. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** How the recipe spells a place: `stages[0].global.amount` ('' for the whole recipe). */
export function displayPath(value: unknown, path: readonly PathSegment[]): string {
  let text = '';
  let current = value;
  for (const segment of path) {
    text += Array.isArray(current) ? `[${segment}]` : text === '' ? String(segment) : `.${String(segment)}`;
    current = getPath(current, [segment]);
  }
  return text;
}

export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

export function quote(key: string): string {
  return `"${key}"`;
}

/** ` (did you mean "epochs"?)` when one candidate is close to what was written, else ''. */
export function didYouMean(written: string, candidates: readonly string[]): string {
  const best = closest(written, candidates);
  return best === null ? '' : ` (did you mean "${best}"?)`;
}

/** The candidate closest to what was written, if it is close enough to be a likely typo. */
export function closest(written: string, candidates: readonly string[]): string | null {
  // Case, "_" and "-" differences count for nothing: batchSize and batch-size mean batch_size.
  const norm = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(norm(written), norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(1, Math.floor(written.length / 4));
  return bestDistance <= tolerance ? best : null;
}

/** Edit distance where swapping two neighbours also counts as one edit (modle → model). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}
