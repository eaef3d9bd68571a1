/**
 * Where a worker thread's compiled entry point is. Built, the module asking sits beside the
 * entry's .js in dist/. Run from its TypeScript source (vitest), there is no .js beside it, and a
 * worker thread cannot load TypeScript, so the same path under dist/ is used: `npm test` builds
 * dist/ first, and a dist/ older than any source file is refused rather than run.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The URL of `entry`.js beside the module at `moduleUrl` (its import.meta.url), or of its build in
 * dist/; a string saying what to do when the build is missing or stale.
 */
export function builtEntry(entry: string, moduleUrl: string): URL | { readonly problem: string } {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.js')) return new URL(`./${entry}.js`, moduleUrl);
  const marker = `${path.sep}src${path.sep}`;
  const root = here.slice(0, here.lastIndexOf(marker));
  const srcDir = path.join(root, 'src');
  const built = path.join(root, 'dist', path.relative(srcDir, path.dirname(here)), `${entry}.js`);
  if (!existsSync(built)) return { problem: `${built} is missing: run npm run build` };
  if (statSync(built).mtimeMs < newestSource(srcDir)) return { problem: `${built} is older than the sources under ${srcDir}: run npm run build` };
  return pathToFileURL(built);
}
