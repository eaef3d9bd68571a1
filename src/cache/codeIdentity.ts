/**
 * The identity of the prune-run code that is running: a sha256 over every source file of the
 * package (dist/ when installed, src/ under the test runner), by relative path and content. Part
 * of every cache key, so a changed engine — a fixed kernel, a new rounding — never reuses results
 * the old one computed, whatever the version number says.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

function sourceFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(js|ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

export function codeIdentity(): string {
  if (cached !== null) return cached;
  // This file sits in <root>/cache/: its package's code is everything under <root>.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const hash = createHash('sha256');
  for (const file of sourceFiles(root)) {
    hash.update(file).update('\0').update(readFileSync(path.join(root, file))).update('\0');
  }
  cached = hash.digest('hex');
  return cached;
}
