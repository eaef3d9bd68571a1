#!/usr/bin/env node
/**
 * Puts a bench run's results into the README: the rows of the cases asked for, from the results
 * file `npm run bench` wrote (its medians, ratios and notes, as the bench printed them), between
 * the README's `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, with the run's date,
 * command and machine. Numbers are never typed by hand.
 *
 *   npm run bench -- --cases 5 --models resnet,mobilenet --out /tmp/case5.json
 *   node scripts/bench-table.mjs /tmp/case5.json --cases 5 --name case5
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeBlock } from './lib/readmeBlock.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (flag) => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};
const file = args[0];
const name = option('--name');
const cases = new Set((option('--cases') ?? '').split(',').filter(Boolean));
if (file === undefined || file.startsWith('--') || name === undefined || cases.size === 0) {
  console.error('usage: node scripts/bench-table.mjs results.json --cases 5[,…] --name NAME');
  process.exit(2);
}

const results = JSON.parse(readFileSync(file, 'utf8'));
const median = (side) => side?.median ?? side?.compactMedian ?? side?.foldedMedian ?? null;
function show(metric, value) {
  if (value === null || value === undefined) return '—';
  if (/accuracy/.test(metric)) return `${(value * 100).toFixed(2)}%`;
  if (/img\/s|MB|evaluation/.test(metric)) return Math.round(value).toLocaleString('en');
  return String(+value.toPrecision(4));
}
const rows = results.cases
  .filter((c) => cases.has(String(c.case)))
  .map((c) => {
    const torch = median(c.pytorchWarmAllocator) ?? median(c.pytorch);
    const ratio = typeof c.ratio === 'number' ? `${c.ratio.toFixed(2)}×` : '—';
    return `| ${c.metric.trim()} | ${show(c.metric, median(c.pruneRun))} | ${show(c.metric, torch)} | ${ratio} | ${(c.notes ?? []).filter(Boolean).join('; ')} |`;
  });
if (rows.length === 0) {
  console.error(`${file} has no rows of case(s) ${[...cases].join(', ')}`);
  process.exit(1);
}
const { machine } = results;
const table = [
  `From \`${results.command}\`, ${results.date.slice(0, 10)}, ${machine.cores} cores (${machine.cpu}), load average at start ${machine.loadAverageAtStart.join(' ')}; medians; PyTorch warm (allocator thresholds raised):`,
  '',
  '| metric | prune-run | PyTorch | ratio | notes |',
  '|---|---|---|---|---|',
  ...rows,
].join('\n');

readmeBlock(root, `bench:${name}`).write(table);
console.log(table);
