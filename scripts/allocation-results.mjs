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
import path from 'node:path';
import { readmeBlock } from './lib/readmeBlock.mjs';
import { newestRunOf, readJson } from './lib/runs.mjs';

const root = path.resolve(import.meta.dirname, '..');
const recipes = process.argv.slice(2);
if (recipes.length === 0) {
  console.error('usage: node scripts/allocation-results.mjs recipes/a.yaml [recipes/b.yaml ...]');
  process.exit(2);
}


const percent = (x) => (x === undefined || x === null ? '—' : `${(x * 100).toFixed(2)}%`);
const rows = [];
let kernels = null;
for (const recipe of recipes) {
  const dir = newestRunOf(root, recipe);
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

readmeBlock(root, 'allocation-results').write(table);
console.log(table);
