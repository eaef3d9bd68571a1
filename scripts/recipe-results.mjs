#!/usr/bin/env node
/**
 * Regenerates the README's table of recipe results from runs made on this machine: for each
 * recipe named, the newest finished run of it under runs/ (matched by the recipe's sha256, which
 * every run's manifest records), its test accuracies before pruning, after pruning and after
 * fine-tuning, the images/s of its training epochs, and with export.compact the compact model's
 * multiply-adds and its evaluation speed and largest logit difference against the masked model. The table replaces the lines between the
 * README's `<!-- recipe-results -->` markers; numbers are never typed by hand.
 *
 *   npx prune-run recipes/resnet-fashion.yaml      # make the runs first
 *   node scripts/recipe-results.mjs recipes/resnet-fashion.yaml recipes/mobilenet-fashion.yaml
 *
 * --keep: a recipe with no run under runs/ keeps its row of the README's table as it is (the run it
 * names made it), so one recipe can be rerun without rerunning the others; without a row, an error.
 */
import path from 'node:path';
import { readmeBlock } from './lib/readmeBlock.mjs';
import { newestRunOf, readJson } from './lib/runs.mjs';

const root = path.resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const recipes = process.argv.slice(2).filter((arg) => arg !== '--keep');
if (recipes.length === 0) {
  console.error('usage: node scripts/recipe-results.mjs recipes/a.yaml [recipes/b.yaml ...]');
  process.exit(2);
}


const percent = (x) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
const block = readmeBlock(root, 'recipe-results');
const rowOf = (recipe) => block.inside.split('\n').find((line) => line.startsWith(`| \`${path.relative(root, path.resolve(recipe))}\` |`));

const rows = [];
for (const recipe of recipes) {
  const dir = newestRunOf(root, recipe);
  if (dir === null) {
    const kept = keep ? rowOf(recipe) : undefined;
    if (kept !== undefined) {
      console.error(`${recipe}: no run under runs/; its row is kept as the README has it`);
      rows.push(kept);
      continue;
    }
    console.error(`${recipe}: no finished run of this recipe (as it is now) under runs/; run it first${keep ? ' (the README has no row of it to keep)' : ''}`);
    process.exit(1);
  }
  const record = readJson(path.join(dir, 'record.json'));
  const at = (point) => record.evaluations.filter((e) => e.point === point).at(-1)?.accuracy;
  const speeds = record.training.flatMap((t) => t.epochs ?? []).map((e) => Math.round(e.imagesPerSecond));
  const count = record.evaluations[0]?.count ?? 0;
  const compact = record.compact;
  const macs = compact?.macs === undefined ? '—' : `${compact.macs.before.toLocaleString('en')} → ${compact.macs.after.toLocaleString('en')} (${percent(1 - compact.macs.after / compact.macs.before)} fewer)`;
  const c = compact?.comparison;
  const speedup = c == null ? '—' : `${(c.compactImagesPerSecond / c.maskedImagesPerSecond).toFixed(2)}×, max logit Δ ${c.maxLogitDifference.toExponential(1)}`;
  rows.push(
    `| \`${path.relative(root, path.resolve(recipe))}\` | ${percent(at('before-pruning'))} | ${percent(at('pruned'))} | ${percent(at('finetuned'))} | ` +
      `${count.toLocaleString('en')} | ${speeds.length === 0 ? '—' : `${Math.min(...speeds)}–${Math.max(...speeds)}`} | ${macs} | ${speedup} | \`runs/${path.basename(dir)}\` |`,
  );
}
const table = [
  '| recipe | test accuracy, trained | pruned | fine-tuned | test images | training images/s | compact model MACs | compact vs masked evaluation | run |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');

block.write(table);
console.log(table);
