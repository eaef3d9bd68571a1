#!/usr/bin/env node
// Checks that a change leaves behaviour alone: runs every recipe in recipes/ with the code of a
// base commit and with the working tree, and compares what the runs wrote — masks.safetensors, the
// model weights (model/, model-compact/, model-sparse/), metrics.jsonl with its timing field
// removed, and the exit status — byte for byte.
//
//   node scripts/same-outputs.mjs <base-ref> [recipe.yaml ...]
//
// The base is checked out into a temporary git worktree that borrows this checkout's
// node_modules (a refactor does not change dependencies the runs use) and is built there.
// Runs use --no-cache, so neither side reuses the other's tasks. Exit 0: identical; 1: a
// difference (each one listed); 2: bad usage.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [baseRef, ...only] = process.argv.slice(2);
if (baseRef === undefined || baseRef.startsWith('-')) {
  console.error('usage: node scripts/same-outputs.mjs <base-ref> [recipe.yaml ...]');
  process.exit(2);
}

// Recipes that load plugin code say so in their name or folder; the flag is harmless elsewhere.
const PLUGIN_FLAG = ['--allow-plugins'];
// Fields that differ between any two runs, whatever the code: wall-clock times.
const TIMING_FIELDS = new Set(['time', 'seconds', 'elapsed', 'duration', 'durationMs', 'imagesPerSecond']);

const work = mkdtempSync(path.join(os.tmpdir(), 'same-outputs-'));
const baseTree = path.join(work, 'base');
try {
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', baseTree, baseRef], { stdio: 'inherit' });
  symlinkSync(path.join(root, 'node_modules'), path.join(baseTree, 'node_modules'), 'dir');
  for (const tree of [baseTree, root]) {
    execFileSync('node', [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: tree, stdio: 'inherit' });
  }
  const recipes = only.length > 0 ? only.map((r) => path.relative(root, path.resolve(r))) : listRecipes(root);
  const differences = [];
  for (const recipe of recipes) {
    const before = runRecipe(baseTree, recipe, path.join(work, 'runs-base'));
    const after = runRecipe(root, recipe, path.join(work, 'runs-head'));
    const found = compare(before, after);
    console.log(`${found.length === 0 ? 'same' : 'DIFFERENT'}  ${recipe}  (exit ${after.status}, ${Object.keys(after.files).length} outputs)`);
    for (const line of found) differences.push(`${recipe}: ${line}`);
  }
  if (differences.length > 0) {
    console.error(`\n${differences.length} difference(s):\n${differences.map((d) => `  ${d}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(`\nall ${recipes.length} recipes give identical masks, weights and metrics`);
  }
} finally {
  spawnSync('git', ['-C', root, 'worktree', 'remove', '--force', baseTree], { stdio: 'inherit' });
  rmSync(work, { recursive: true, force: true });
}

function listRecipes(tree) {
  return readdirSync(path.join(tree, 'recipes'))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => path.join('recipes', name));
}

/** Runs one recipe in `tree` and returns its exit status and the fingerprints of what it wrote. */
function runRecipe(tree, recipe, runsDir) {
  const before = new Set(existsSync(runsDir) ? readdirSync(runsDir) : []);
  const result = spawnSync('node', ['bin/prune-run.js', '--no-cache', '--progress', 'plain', '--runs-dir', runsDir, ...PLUGIN_FLAG, recipe], {
    cwd: tree,
    encoding: 'utf8',
  });
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`${recipe} in ${tree} exited ${result.status}:\n${result.stderr}`);
  }
  const created = readdirSync(runsDir).filter((name) => !before.has(name));
  if (created.length !== 1) throw new Error(`${recipe} in ${tree}: expected one new run folder, found ${created.join(', ') || 'none'}`);
  const folder = path.join(runsDir, created[0]);
  return { status: result.status, files: fingerprints(folder) };
}

function fingerprints(folder) {
  const files = {};
  for (const name of ['masks.safetensors']) addFile(files, folder, name);
  for (const dir of ['model', 'model-compact', 'model-sparse']) {
    const full = path.join(folder, dir);
    if (!existsSync(full)) continue;
    for (const name of readdirSync(full).sort()) addFile(files, folder, path.join(dir, name));
  }
  const metrics = path.join(folder, 'metrics.jsonl');
  if (existsSync(metrics)) {
    const lines = readFileSync(metrics, 'utf8').split('\n').filter((l) => l.length > 0);
    files['metrics.jsonl'] = lines.map((line) => JSON.stringify(withoutTiming(JSON.parse(line))));
  }
  return files;
}

function addFile(files, folder, relative) {
  const full = path.join(folder, relative);
  if (!existsSync(full) || !statSync(full).isFile()) return;
  files[relative] = createHash('sha256').update(readFileSync(full)).digest('hex');
}

function withoutTiming(value) {
  if (Array.isArray(value)) return value.map(withoutTiming);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !TIMING_FIELDS.has(key)).map(([k, v]) => [k, withoutTiming(v)]));
}

function compare(before, after) {
  const found = [];
  if (before.status !== after.status) found.push(`exit status ${before.status} → ${after.status}`);
  const names = new Set([...Object.keys(before.files), ...Object.keys(after.files)]);
  for (const name of [...names].sort()) {
    const a = before.files[name];
    const b = after.files[name];
    if (a === undefined) found.push(`${name} written only after the change`);
    else if (b === undefined) found.push(`${name} no longer written`);
    else if (Array.isArray(a)) {
      if (a.length !== b.length) found.push(`${name}: ${a.length} lines → ${b.length}`);
      const first = a.findIndex((line, i) => line !== b[i]);
      if (first >= 0) found.push(`${name} line ${first + 1}: ${a[first]} → ${b[first]}`);
    } else if (a !== b) found.push(`${name} differs (sha256 ${a.slice(0, 12)} → ${b.slice(0, 12)})`);
  }
  return found;
}
