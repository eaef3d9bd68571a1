/**
 * How deep YAML text nests, measured before it is composed. The composer and every later step
 * (toJS, the schema, structuredClone) recurse once per level; thousands of `[` in a small file
 * would exhaust the stack, which the YAML library reports as a vague "Maximum call stack size
 * exceeded" at a place that depends on how much stack is left. The concrete syntax tree is built
 * without recursion, and walked here with an explicit stack, so any depth is measured safely.
 */
import { CST, Parser, type LineCounter } from 'yaml';
import { formatCount, RECIPE_LIMITS } from './limits.js';

/**
 * Where the first collection deeper than `limit` starts (a character offset), or null. A
 * `lineCounter` given is filled with the text's lines, to locate the offset.
 */
export function tooDeepAt(text: string, limit: number, lineCounter?: LineCounter): number | null {
  const pending: { token: CST.Token; depth: number }[] = [];
  for (const token of new Parser(lineCounter?.addNewLine).parse(text)) {
    if (token.type === 'document' && token.value !== undefined) pending.push({ token: token.value, depth: 0 });
  }
  let first: number | null = null;
  while (pending.length > 0) {
    const { token, depth } = pending.pop()!;
    if (!CST.isCollection(token)) continue;
    const level = depth + 1;
    if (level > limit) {
      // The first such place in the text, not the first one the walk happens to reach.
      if (first === null || token.offset < first) first = token.offset;
      continue;
    }
    for (const item of token.items) {
      if (item.key !== undefined && item.key !== null) pending.push({ token: item.key, depth: level });
      if (item.value !== undefined) pending.push({ token: item.value, depth: level });
    }
  }
  return first;
}

/** The refusal of a value nested past RECIPE_LIMITS.depth; `what` names the text (the recipe, a --set value). */
export function nestingMessage(what: string): string {
  const limit = formatCount(RECIPE_LIMITS.depth);
  return `${what} nests mappings and lists more than ${limit} levels deep here; the limit is ${limit} levels (a recipe's selectors sit at level 7)`;
}
