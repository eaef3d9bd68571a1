/**
 * The identity of the prune-run code that is running: a sha256 over every source file of the
 * package (dist/ when installed, src/ under the test runner), by relative path and content. Part
 * of every cache key, so a changed engine — a fixed kernel, a new rounding — never reuses results
 * the old one computed, whatever the version number says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../util/sha256.js';

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
  cached = sha256Hex(...sourceFiles(root).flatMap((file) => [file, '\0', readFileSync(path.join(root, file)), '\0']));
  return cached;
}
