/**
 * From a place in the parsed recipe value (a path of keys and indices, as in a JSON pointer) back
 * to where the user wrote it. Every recipe problem is reported at a line and column, so this is
 * the one place that knows about YAML nodes and offsets; the rest of the recipe step works on
 * plain values and paths.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { RecipeProblem, SourceLocation } from '../errors.js';

/** A step into the recipe value: a mapping key or a list index (as a number or digit string). */
export type PathSegment = string | number;

/** What a path leads to: the value's node and, in a mapping, its key's node. */
interface Found {
  /** Offset of the value, or null when the value is empty (`key:` with nothing after it). */
  readonly value: number | null;
  /** Offset of the key (mappings) or null (list items, the document itself). */
  readonly key: number | null;
  /** Whether the whole path is in the document (else these are its deepest part that is). */
  readonly whole: boolean;
}

export class SourcePositions {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
    /** The recipe's name as the user gave it; it is what every location shows. */
    readonly file: string,
  ) {}

  /** The location of a character offset in the text. */
  atOffset(offset: number): SourceLocation {
    if (offset < 0) return { file: this.file, line: 1, col: 1 };
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, col };
  }

  /**
   * Where the value at `path` is written. An empty value points at its key (the value has no
   * text of its own); a path that does not exist points at the deepest part that does.
   */
  valueAt(path: readonly PathSegment[]): SourceLocation {
    const found = this.find(path);
    return this.atOffset(found.value ?? found.key ?? 0);
  }

  /** Where the key of the last step of `path` is written (the item itself for list indices). */
  keyAt(path: readonly PathSegment[]): SourceLocation {
    const found = this.find(path);
    return this.atOffset(found.key ?? found.value ?? 0);
  }

  /** Whether the document itself has a value at `path`. */
  holds(path: readonly PathSegment[]): boolean {
    return this.find(path).whole;
  }

  private find(path: readonly PathSegment[]): Found {
    let node: unknown = this.doc.contents;
    let found: Found = { value: offsetOf(node), key: null, whole: false };
    for (const segment of path) {
      // Aliases (`*name`) stand for their anchored node; follow them so paths through them work.
      const collection = isAlias(node) ? node.resolve(this.doc) : node;
      if (isMap(collection)) {
        const pair = collection.items.find((p) => keyText(p.key) === String(segment));
        if (pair === undefined) return found;
        node = pair.value;
        found = { value: offsetOf(node), key: offsetOf(pair.key), whole: false };
      } else if (isSeq(collection)) {
        node = collection.items[Number(segment)];
        if (node === undefined) return found;
        found = { value: offsetOf(node), key: null, whole: false };
      } else {
        return found;
      }
    }
    return { ...found, whole: true };
  }
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** Start offset of a node; null for absent nodes and for empty values, which have no text. */
function offsetOf(node: unknown): number | null {
  if (node === null || typeof node !== 'object' || !('range' in node)) return null;
  const range = node.range;
  if (!Array.isArray(range) || typeof range[0] !== 'number') return null;
  if (isScalar(node) && node.value === null && node.source === '') return null;
  return range[0];
}

/** Problems in reading order, each reported once (several checks may find the same thing). */
export function sortProblems(problems: readonly RecipeProblem[]): RecipeProblem[] {
  const seen = new Set<string>();
  const unique: RecipeProblem[] = [];
  for (const p of problems) {
    const id = `${p.at.file}\0${p.at.line}\0${p.at.col}\0${p.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push(p);
  }
  const byText = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return unique.sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col || byText(a.message, b.message));
}

/** The part of a plain value at `path`, or undefined; for checks that run before (or despite) validation. */
export function getPath(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isRecord(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
