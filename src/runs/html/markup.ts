/**
 * Escaped markup as a type. Every piece of HTML or SVG in the report is built by `element`,
 * `text` or `raw` below, and a `Markup` cannot be made from a plain string any other way, so a
 * recipe path or parameter name can only reach the page escaped (no HTML or SVG injection).
 * It is an object, not a branded string, so code can tell markup from text at run time too.
 */

const TRUSTED = Symbol('markup');

/** A piece of well-formed, escaped HTML/SVG. */
export class Markup {
  readonly html: string;
  /** Only this module holds the token: markup is made by element, text, raw and join. */
  constructor(token: symbol, html: string) {
    if (token !== TRUSTED) throw new Error('Markup is made by element(), text(), raw() or join(), never from a plain string');
    this.html = html;
  }

  toString(): string {
    return this.html;
  }
}

const trusted = (html: string) => new Markup(TRUSTED, html);

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for quoted attribute values, in HTML and in SVG. */
export function escapeText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Text content, escaped. */
export function text(value: string): Markup {
  return trusted(escapeText(value));
}

/** Markup the caller wrote as a literal in this folder (CSS, a doctype); never data. */
export function raw(literal: string): Markup {
  return trusted(literal);
}

export type AttributeValue = string | number | undefined;
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** Coordinates to 2 decimals: plenty for a screen, and the file stays small. */
function attributeValue(name: string, value: string | number): string {
  if (typeof value === 'string') return escapeText(value);
  // A NaN coordinate renders as nothing and hides a bug: refuse it where it is made.
  if (!Number.isFinite(value)) throw new Error(`report markup: attribute ${name} is ${value}`);
  return String(Math.round(value * 100) / 100);
}

const VOID_HTML = new Set(['meta', 'br', 'hr', 'img', 'link']);

/**
 * One element. Attributes with value undefined are left out. SVG elements without children are
 * self-closed (`<rect/>`), which HTML's parser accepts inside <svg>; HTML void elements get no
 * closing tag.
 */
export function element(name: string, attributes: Attributes = {}, children: readonly Markup[] = []): Markup {
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${attributeValue(key, value)}"`)
    .join('');
  if (VOID_HTML.has(name)) return trusted(`<${name}${attrs}>`);
  if (children.length === 0 && SVG_EMPTY.has(name)) return trusted(`<${name}${attrs}/>`);
  return trusted(`<${name}${attrs}>${children.map((c) => c.html).join('')}</${name}>`);
}

/** SVG shapes that never have content. */
const SVG_EMPTY = new Set(['rect', 'line', 'path', 'circle', 'polyline']);

const NEWLINE = trusted('\n');

/** Joins pieces of markup (with newlines between, so the file reads well). */
export function join(parts: readonly Markup[], separator: Markup = NEWLINE): Markup {
  return trusted(parts.map((p) => p.html).join(separator.html));
}

