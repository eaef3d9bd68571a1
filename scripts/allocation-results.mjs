#!/usr/bin/env node
/**
 * Regenerates the README's side-by-side table of `allocate: sensitivity` against plain global L1
 * (and uniform amounts) from runs made on this machine: for each recipe named, the newest
 * finished run of it under runs/ (matched by the recipe's sha256, which every run's manifest
 * records; `prune-run sensitivity` runs of it are skipped), its test accuracy trained, right
 * after pruning and after fine-tuning, the global sparsity reached, each kernel's sparsity, and
 * for an allocating step the accuracy its curves predicted. The table replaces the lines between
 * the README's `<!-- allocation-results -->` markers; numbers are never typed by hand.
 *
 *   npx prune-run recipes/lenet-global-90.yaml      # make the runs first
 *   node scripts/allocation-results.mjs recipes/lenet-global-90.yaml recipes/lenet-allocate-90.yaml recipes/lenet-uniform-90.yaml
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const recipes = process.argv.slice(2);
if (recipes.length === 0) {
  console.error('usage: node scripts/allocation-results.mjs recipes/a.yaml [recipes/b.yaml ...]');
  process.exit(2);
}

const runsDir = path.join(root, 'runs');
const runs = existsSync(runsDir) ? readdirSync(runsDir).filter((name) => !name.endsWith('.partial')).sort().reverse() : [];
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function newestRunOf(recipe) {
  const sha256 = createHash('sha256').update(readFileSync(path.resolve(recipe))).digest('hex');
  for (const name of runs) {
    const dir = path.join(runsDir, name);
    if (!['record.json', 'manifest.json', 'plan.json'].every((f) => existsSync(path.join(dir, f)))) continue;
    if (readJson(path.join(dir, 'plan.json')).command === 'sensitivity') continue;
    const manifest = readJson(path.join(dir, 'manifest.json'));
    if (manifest.status === 'succeeded' && JSON.stringify(manifest).includes(sha256)) return dir;
  }
  return null;
}

const percent = (x) => (x === undefined || x === null ? '—' : `${(x * 100).toFixed(2)}%`);
const rows = [];
let kernels = null;
for (const recipe of recipes) {
  const dir = newestRunOf(recipe);
  if (dir === null) {
    console.error(`${recipe}: no finished run of this recipe (as it is now) under runs/; run it first`);
    process.exit(1);
  }
  const record = readJson(path.join(dir, 'record.json'));
  const at = (point) => record.evaluations.filter((e) => e.point === point).at(-1)?.accuracy;
  const stage = record.pruning.at(-1);
  kernels ??= Object.keys(stage.parameters);
  const allocation = stage.allocations?.[0];
  rows.push(
    `| \`${path.relative(root, path.resolve(recipe))}\` | ${percent(at('before-pruning'))} | ${percent(at('pruned'))} | **${percent(at('finetuned'))}** | ` +
      `${percent(stage.global.sparsity)} | ${kernels.map((k) => percent(stage.parameters[k]?.sparsity)).join(' | ')} | ${percent(allocation?.predictedAccuracy)} | \`runs/${path.basename(dir)}\` |`,
  );
}
const table = [
  `| recipe | test accuracy, trained | pruned | fine-tuned | global sparsity | ${kernels.map((k) => `\`${k}\``).join(' | ')} | predicted by the curves | run |`,
  `|---|---|---|---|---|${kernels.map(() => '---').join('|')}|---|---|`,
  ...rows,
].join('\n');

const readme = path.join(root, 'README.md');
const text = readFileSync(readme, 'utf8');
const start = '<!-- allocation-results -->';
const end = '<!-- /allocation-results -->';
const [a, b] = [text.indexOf(start), text.indexOf(end)];
if (a < 0 || b < a) {
  console.error(`README.md has no ${start} … ${end} block to fill`);
  process.exit(1);
}
writeFileSync(readme, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`);
console.log(table);
