/** The finished runs under runs/, for the scripts that put their results in the README. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/**
 * The newest succeeded run of `recipe` (as the file is now: matched by its sha256, which every
 * run's manifest records) under `root`/runs, or null; a `prune-run sensitivity` run of the recipe
 * (its training and analysis, not its stages) does not count.
 */
export function newestRunOf(root, recipe) {
  const runsDir = path.join(root, 'runs');
  const runs = existsSync(runsDir) ? readdirSync(runsDir).filter((name) => !name.endsWith('.partial')).sort().reverse() : [];
  const sha256 = createHash('sha256').update(readFileSync(path.resolve(recipe))).digest('hex');
  for (const name of runs) {
    const dir = path.join(runsDir, name);
    if (!existsSync(path.join(dir, 'record.json')) || !existsSync(path.join(dir, 'manifest.json'))) continue;
    if (existsSync(path.join(dir, 'plan.json')) && readJson(path.join(dir, 'plan.json')).command === 'sensitivity') continue;
    const manifest = readJson(path.join(dir, 'manifest.json'));
    if (manifest.status === 'succeeded' && JSON.stringify(manifest).includes(sha256)) return dir;
  }
  return null;
}
