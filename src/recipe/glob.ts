/**
 * The glob language of recipe selectors, over one name (not a path): `*` matches any run of
 * characters (also none, and also `/` and `.`, which are part of names here), `?` exactly one,
 * `[12]`, `[a-z]`, `[!0]`, `[[:digit:]]` one character of (or not of) a class, as picomatch reads
 * classes; `{1,2}` and `{1..3}` alternatives, expanded as picomatch and bash expand them (`fc{1,2}`
 * is `fc1` or `fc2`); `\` makes the next character plain. Every other character matches itself,
 * case-sensitively, over the whole name.
 *
 * picomatch turns a whole glob into a regular expression, and a backtracking regex takes time
 * exponential in the number of stars on a name that does not match (`*a*a*a*a*a*a*b` against a
 * long name of a's never returns). So picomatch compiles only the classes, one character each;
 * braces are expanded here into at most MAX_ALTERNATIVES star-and-character sequences, and each is
 * matched by a linear scan with one backtrack point: work linear in the name per alternative,
 * whatever the pattern.
 */
import picomatch from 'picomatch';

/** Alternatives one pattern may expand to: `{a,b}{c,d}` is 4; ten such braces would be 1,024. */
export const MAX_ALTERNATIVES = 256;

/** A brace whose items would pass MAX_ALTERNATIVES on their own. */
const TOO_MANY = 'too many';

/** One character of a pattern: a fixed one, any (`?`), or a class. */
type CharTest = (c: string) => boolean;
type Token = { readonly star: true } | { readonly star: false; readonly test: CharTest };

interface CompiledGlob {
  readonly alternatives: readonly (readonly Token[])[];
}

const compiledGlobs = new Map<string, CompiledGlob | string>();

/** Whether `text` matches `pattern`; throws for a pattern globProblem refuses. */
export function matchGlob(pattern: string, text: string): boolean {
  const compiled = compile(pattern);
  if (typeof compiled === 'string') throw new Error(`glob "${pattern}": ${compiled}`);
  return compiled.alternatives.some((tokens) => matchTokens(tokens, text));
}

/** What is wrong with a pattern (too many alternatives), or null. */
export function globProblem(pattern: string): string | null {
  const compiled = compile(pattern);
  return typeof compiled === 'string' ? compiled : null;
}

/** Whether a pattern has any glob syntax (a plain name is matched as it is). */
export function isGlob(pattern: string): boolean {
  return /[*?[{\\]/.test(pattern);
}

function compile(pattern: string): CompiledGlob | string {
  let compiled = compiledGlobs.get(pattern);
  if (compiled === undefined) {
    const expanded = expandBraces(pattern);
    compiled =
      expanded === null
        ? `its braces expand to more than ${MAX_ALTERNATIVES} alternatives; list fewer, or use * and ?`
        : { alternatives: expanded.map(tokenize) };
    compiledGlobs.set(pattern, compiled);
  }
  return compiled;
}

/** Linear scan: `*` remembers where it is; a mismatch lets the last `*` take one more character. */
function matchTokens(tokens: readonly Token[], text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  // Characters, not UTF-16 units: a class or `?` stands for one character of a name.
  const chars = [...text];
  while (t < chars.length) {
    const token = tokens[p];
    if (token?.star === true) {
      starP = p++;
      starT = t;
    } else if (token !== undefined && token.test(chars[t]!)) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (tokens[p]?.star === true) p++;
  return p === tokens.length;
}

/** One alternative (no braces left) → tokens. An unclosed `[` is a plain character. */
function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      if (tokens[tokens.length - 1]?.star !== true) tokens.push({ star: true });
    } else if (c === '?') {
      tokens.push({ star: false, test: () => true });
    } else if (c === '\\' && i + 1 < chars.length) {
      const plain = chars[++i]!;
      tokens.push({ star: false, test: (x) => x === plain });
    } else if (c === '[' && classEnd(chars, i) > i) {
      const end = classEnd(chars, i);
      const matcher = picomatch(chars.slice(i, end + 1).join(''), { dot: true, posix: true, nobrace: true, noextglob: true });
      tokens.push({ star: false, test: (x) => matcher(x) });
      i = end;
    } else {
      tokens.push({ star: false, test: (x) => x === c });
    }
  }
  return tokens;
}

/** The index of the `]` closing the class opened at `start`, or -1 (then `[` is a plain character). */
function classEnd(chars: readonly string[], start: number): number {
  let i = start + 1;
  if (chars[i] === '!' || chars[i] === '^') i++;
  if (chars[i] === ']') i++; // a `]` first in a class is one of its characters
  for (; i < chars.length; i++) {
    if (chars[i] === '\\') i++;
    else if (chars[i] === '[' && chars[i + 1] === ':') {
      const close = chars.indexOf(']', i + 2);
      if (close < 0) return -1;
      i = close;
    } else if (chars[i] === ']') return i;
  }
  return -1;
}

/**
 * `fc{1,2}` → [fc1, fc2]; `conv{1..3}` → [conv1, conv2, conv3]; nested braces expand inside out.
 * A brace with neither a comma nor a range (`{x}`) is plain text, as in bash. Null when the
 * alternatives would pass MAX_ALTERNATIVES (a brace bomb is refused, not expanded).
 */
export function expandBraces(pattern: string): string[] | null {
  const brace = firstBrace(pattern);
  if (brace === null) return [pattern];
  if (brace.items === TOO_MANY) return null;
  const before = pattern.slice(0, brace.open);
  const after = pattern.slice(brace.close + 1);
  const tails = expandBraces(after);
  if (tails === null) return null;
  const results: string[] = [];
  for (const item of brace.items) {
    const inner = expandBraces(item);
    if (inner === null) return null;
    for (const head of inner) {
      for (const tail of tails) {
        if (results.length === MAX_ALTERNATIVES) return null;
        results.push(before + head + tail);
      }
    }
  }
  return results;
}

/** The first brace that expands: where it opens and closes, and its items (ranges listed out). */
function firstBrace(pattern: string): Brace | null {
  for (let open = 0; open < pattern.length; open++) {
    const c = pattern[open];
    if (c === '\\') {
      open++;
      continue;
    }
    if (c === '[') {
      const end = classEnd([...pattern.slice(open)], 0);
      if (end > 0) open += [...pattern.slice(open)].slice(0, end).join('').length;
      continue;
    }
    if (c !== '{') continue;
    const brace = braceAt(pattern, open);
    if (brace !== null) return brace;
  }
  return null;
}

interface Brace {
  readonly open: number;
  readonly close: number;
  readonly items: readonly string[] | typeof TOO_MANY;
}

function braceAt(pattern: string, open: number): Brace | null {
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === ',' && depth === 1) commas.push(i);
    else if (c === '}' && --depth === 0) {
      const body = pattern.slice(open + 1, i);
      if (commas.length > 0) {
        const cuts = [open, ...commas, i];
        return { open, close: i, items: cuts.slice(1).map((cut, k) => pattern.slice(cuts[k]! + 1, cut)) };
      }
      const range = expandRange(body);
      return range === null ? null : { open, close: i, items: range };
    }
  }
  return null;
}

/** `1..5`, `05..10`, `1..9..2`, `a..e` → the items; null for anything else (left as plain text). */
function expandRange(body: string): string[] | typeof TOO_MANY | null {
  const numeric = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(body);
  const letters = /^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$/.exec(body);
  const match = numeric ?? letters;
  if (match === null) return null;
  const [from, to] = numeric !== null ? [Number(match[1]), Number(match[2])] : [match[1]!.charCodeAt(0), match[2]!.charCodeAt(0)];
  const step = Math.max(1, Math.abs(Number(match[3] ?? 1)));
  const count = Math.floor(Math.abs(to - from) / step) + 1;
  // More than can be kept is refused without listing them.
  if (count > MAX_ALTERNATIVES) return TOO_MANY;
  // bash: `{01..10}` pads every item to the wider end's digits.
  const ends = [match[1]!, match[2]!].map((end) => end.replace('-', ''));
  const width = numeric !== null && ends.some((end) => /^0\d/.test(end)) ? Math.max(...ends.map((end) => end.length)) : 0;
  const items: string[] = [];
  for (let k = 0; k < count; k++) {
    const value = from + (to >= from ? 1 : -1) * k * step;
    items.push(numeric !== null ? String(Math.abs(value)).padStart(width, '0').replace(/^/, value < 0 ? '-' : '') : String.fromCharCode(value));
  }
  return items;
}
