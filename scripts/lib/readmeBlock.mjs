/**
 * A block of the README between `<!-- NAME -->` and `<!-- /NAME -->`, which the result scripts
 * fill with tables made from real runs: its current text, and a write that replaces it.
 * Exits 1 (saying so) when the README has no such block.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function readmeBlock(root, name) {
  const readme = path.join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const [start, end] = [`<!-- ${name} -->`, `<!-- /${name} -->`];
  const [a, b] = [text.indexOf(start), text.indexOf(end)];
  if (a < 0 || b < a) {
    console.error(`README.md has no ${start} … ${end} block to fill`);
    process.exit(1);
  }
  return {
    inside: text.slice(a + start.length, b),
    write: (table) => writeFileSync(readme, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`),
  };
}
