/**
 * A strict little parser for the report's HTML, written for the tests: it accepts only what
 * renderHtmlReport should produce and throws on anything else (an unclosed or mismatched tag, a
 * raw `<`, `>` or unknown `&` in text, an unquoted or unescaped attribute, `/>` outside SVG), and
 * returns the element tree so tests can query what was drawn.
 */

export interface HtmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly HtmlNode[];
}
export type HtmlNode = HtmlElement | string;

const VOID = new Set(['meta', 'br', 'wbr', 'hr', 'img', 'link']);
const RAW_TEXT = new Set(['style']);
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

function decode(value: string, where: number): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '<' || c === '>' || c === '"') throw new Error(`raw ${c} at ${where + i}`);
    if (c !== '&') {
      out += c;
      continue;
    }
    const end = value.indexOf(';', i);
    const name = end < 0 ? '' : value.slice(i + 1, end);
    const decoded = ENTITIES[name];
    if (decoded === undefined) throw new Error(`unknown entity at ${where + i}: ${value.slice(i, i + 8)}`);
    out += decoded;
    i = end;
  }
  return out;
}

const isNameChar = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === ':' || c === '_';

export function parseHtml(html: string): HtmlElement {
  let i = 0;
  const root: { name: string; attributes: Map<string, string>; children: HtmlNode[] } = { name: '#document', attributes: new Map(), children: [] };
  const stack = [root];
  const top = () => stack[stack.length - 1]!;
  const inSvg = () => stack.some((e) => e.name === 'svg');
  if (html.startsWith('<!DOCTYPE html>')) i = '<!DOCTYPE html>'.length;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? html.length : lt;
    if (textEnd > i) {
      const text = decode(html.slice(i, textEnd), i);
      if (text.trim() !== '' || stack.length > 1) top().children.push(text);
      i = textEnd;
      continue;
    }
    if (html.startsWith('</', i)) {
      const end = html.indexOf('>', i);
      const name = html.slice(i + 2, end);
      const open = stack.pop();
      if (open === undefined || open.name !== name) throw new Error(`</${name}> at ${i} closes <${open?.name}>`);
      i = end + 1;
      continue;
    }
    let j = i + 1;
    while (j < html.length && isNameChar(html[j]!)) j++;
    const name = html.slice(i + 1, j);
    if (name === '') throw new Error(`stray < at ${i}`);
    const attributes = new Map<string, string>();
    let selfClosing = false;
    for (;;) {
      while (html[j] === ' ') j++;
      if (html[j] === '>') {
        j++;
        break;
      }
      if (html.startsWith('/>', j)) {
        if (!inSvg() && name !== 'svg') throw new Error(`<${name}/> outside SVG at ${i}`);
        selfClosing = true;
        j += 2;
        break;
      }
      let k = j;
      while (k < html.length && isNameChar(html[k]!)) k++;
      const attribute = html.slice(j, k);
      if (attribute === '' || html[k] !== '=' || html[k + 1] !== '"') throw new Error(`bad attribute in <${name}> at ${j}: ${html.slice(j, j + 20)}`);
      const close = html.indexOf('"', k + 2);
      if (close < 0) throw new Error(`unterminated attribute at ${k}`);
      if (attributes.has(attribute)) throw new Error(`duplicate attribute ${attribute} at ${j}`);
      attributes.set(attribute, decode(html.slice(k + 2, close), k + 2));
      j = close + 1;
    }
    const element = { name, attributes, children: [] as HtmlNode[] };
    top().children.push(element);
    i = j;
    if (RAW_TEXT.has(name)) {
      const end = html.indexOf(`</${name}>`, i);
      if (end < 0) throw new Error(`<${name}> never closed`);
      element.children.push(html.slice(i, end));
      i = end + name.length + 3;
    } else if (!selfClosing && !VOID.has(name)) stack.push(element);
  }
  if (stack.length > 1) throw new Error(`unclosed <${top().name}>`);
  return root;
}

export function isElement(node: HtmlNode): node is HtmlElement {
  return typeof node !== 'string';
}

/** Every element under `node` (depth first, in document order) that satisfies the test. */
export function findAll(node: HtmlElement, test: (e: HtmlElement) => boolean): HtmlElement[] {
  const found: HtmlElement[] = [];
  const walk = (e: HtmlElement) => {
    for (const child of e.children) {
      if (!isElement(child)) continue;
      if (test(child)) found.push(child);
      walk(child);
    }
  };
  walk(node);
  return found;
}

export const byName = (name: string) => (e: HtmlElement) => e.name === name;
export const byClass = (cls: string) => (e: HtmlElement) => (e.attributes.get('class') ?? '').split(' ').includes(cls);

export function textContent(node: HtmlNode): string {
  return isElement(node) ? node.children.map(textContent).join('') : node;
}

const SEPARATED = new Set(['td', 'th', 'li', 'p', 'tr', 'h2', 'h3']);

/** Text as a reader sees it: table cells, list items and paragraphs separated by one space. */
export function readableText(node: HtmlNode): string {
  if (!isElement(node)) return node;
  const inner = node.children.map(readableText).join('');
  return SEPARATED.has(node.name) ? `${inner} ` : inner;
}

export function attribute(e: HtmlElement, name: string): string {
  const value = e.attributes.get(name);
  if (value === undefined) throw new Error(`<${e.name}> has no ${name}`);
  return value;
}

export const numberAttribute = (e: HtmlElement, name: string) => Number(attribute(e, name));

/** The chart <svg> of a kind, or undefined. */
export function chart(document: HtmlElement, kind: string): HtmlElement | undefined {
  return findAll(document, (e) => e.name === 'svg' && e.attributes.get('data-chart') === kind)[0];
}
