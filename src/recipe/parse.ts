/**
 * Recipe text → plain value, keeping the YAML document so that later problems can be located.
 * YAML syntax problems (including duplicate keys, which YAML forbids but JavaScript objects would
 * silently collapse to the last one) stop here: the value of a broken document is a guess, and
 * checking a guess would only add misleading problems.
 */
import { LineCounter, isCollection, isScalar, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { RecipeError, type RecipeProblem, type SourceLocation } from '../errors.js';
import { RECIPE_LIMITS } from './limits.js';
import { nestingMessage, tooDeepAt } from './nesting.js';
import { OverriddenPositions, applyOverrides, type RecipeOverride } from './overrides.js';
import { SourcePositions, sortProblems } from './positions.js';

/** A recipe that is well-formed YAML: its text, its value, and where each part of it is written. */
export interface ParsedRecipe {
  /** The recipe's name as the user gave it (used in locations). */
  readonly file: string;
  readonly text: string;
  /** The document as plain JavaScript data; not yet validated. */
  readonly value: unknown;
  readonly positions: SourcePositions;
}

/**
 * Parses recipe text; throws RecipeError listing every YAML problem if the text is not clean YAML.
 * `overrides` (--set) are applied to the value, in order, before anything checks it; the
 * positions then locate overridden values in their --set arguments.
 */
export function parseRecipe(text: string, file: string, overrides: readonly RecipeOverride[] = []): ParsedRecipe {
  // Measured first: composing a document nested thousands deep is what would fail (see nesting.ts).
  const depthLines = new LineCounter();
  const tooDeep = tooDeepAt(text, RECIPE_LIMITS.depth, depthLines);
  if (tooDeep !== null) throw new RecipeError([{ at: { file, ...depthLines.linePos(tooDeep) }, message: nestingMessage('the recipe') }]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const positions = new SourcePositions(doc, lineCounter, file);
  // Warnings (an unknown tag, an unsupported %YAML version) are problems too: a recipe must mean
  // exactly what it says, and a tag the parser ignores changes what it says.
  const yamlProblems = [
    ...[...doc.errors, ...doc.warnings].map((e) => yamlProblem(e, doc, positions)),
    ...collectionKeys(doc, positions),
  ];
  if (yamlProblems.length > 0) throw new RecipeError(sortProblems(yamlProblems));

  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // toJS refuses documents that expand aliases exponentially ("billion laughs").
    const message = error instanceof Error ? error.message : String(error);
    throw new RecipeError([{ at: firstAliasAt(doc, positions), message: `invalid YAML: ${message} (the YAML library's limit on how often aliases, *name, may copy their anchored value)` }]);
  }
  // An alias copies its anchor's value, so a value may nest deeper than the text does.
  if (valueDeeperThan(value, RECIPE_LIMITS.depth)) {
    throw new RecipeError([{ at: firstAliasAt(doc, positions), message: nestingMessage('through its aliases (*name), the recipe') }]);
  }
  if (overrides.length === 0) return { file, text, value, positions };
  return { file, text, value: applyOverrides(value, overrides), positions: new OverriddenPositions(doc, lineCounter, file, overrides) };
}

/** Where the document's first alias (`*name`) is written; the start when it has none. */
function firstAliasAt(doc: Document.Parsed, positions: SourcePositions): SourceLocation {
  let offset = 0;
  visit(doc, {
    Alias(_, alias) {
      offset = alias.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return positions.atOffset(offset);
}

/** Whether a plain value has mappings or lists more than `limit` levels inside one another (no recursion). */
export function valueDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

function yamlProblem(error: YAMLError, doc: Document.Parsed, positions: SourcePositions): RecipeProblem {
  const offset = error.pos[0];
  // prettyErrors has set linePos from the same LineCounter; the offset is the fallback.
  const start = error.linePos?.[0];
  const at = start === undefined ? positions.atOffset(offset) : { file: positions.file, ...start };
  if (error.code === 'MULTIPLE_DOCS') {
    return { at, message: 'a recipe is a single YAML document: remove this "---" and what follows, or merge it' };
  }
  if (error.code === 'DUPLICATE_KEY') {
    const key = keyStartingAt(doc, offset);
    const name = key === null ? 'key' : `key ${JSON.stringify(key)}`;
    return { at, message: `duplicate ${name}: a key may appear only once in a mapping` };
  }
  // prettyErrors appends " at line L, column C:" and a source excerpt; the location is already
  // part of every problem, so keep only the parser's own sentence.
  const message = error.message.replace(/ at line \d+, column \d+[\s\S]*$/, '');
  return { at, message: `invalid YAML: ${message}` };
}

/**
 * Keys that are lists or mappings (`[a, b]: 1`, legal YAML): JavaScript objects cannot hold them,
 * and converting them would print a process warning and yield a key nobody wrote.
 */
function collectionKeys(doc: Document.Parsed, positions: SourcePositions): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        const at = positions.atOffset(pair.key.range?.[0] ?? 0);
        problems.push({ at, message: 'a key must be a plain name, not a list or a mapping' });
      }
    },
  });
  return problems;
}

/** The text of the mapping key written at `offset`, if there is one. */
function keyStartingAt(doc: Document.Parsed, offset: number): string | null {
  let text: string | null = null;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        text = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return text;
}
