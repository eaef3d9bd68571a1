/**
 * Through the command: `--json` prints exactly one JSON summary on stdout (on success and on
 * failure), `--set` changes the run and is recorded, and `compare` shows two tiny runs side by side.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/compare/types.js';
import { pythonRound } from '../../src/prune/index.js';
import type { RunSummary } from '../../src/runs/summary.js';
import { FAILING_PLUGIN_MESSAGE, listTree, makeTempDir, removeDir, runCli, writeFailingRecipe, type CliResult } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const RECIPE = `seed: 5
model: {builtin: lenet}
data: {builtin: mnist, train_size: 200, test_size: 100}
train: {epochs: 1, batch_size: 50}
stages:
  - name: global
    global:
      method: l1_unstructured
      amount: 0.2
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
    finetune: {epochs: 1}
`;
const KERNELS = 54 + 864 + 48000 + 10080 + 840;
const SET_HALF = 'stages.0.global.amount=0.5';

const recipe = 'tiny.yaml';

/** stdout parsed as JSON; fails the test unless stdout is exactly one JSON document. */
function onlyJson<T>(result: CliResult): T {
  expect(result.stdout.trim().startsWith('{'), result.stdout).toBe(true);
  return JSON.parse(result.stdout) as T;
}

const readJson = async (file: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The recipe as written, and (below) with --set, in the same folder: compare reads both. */
const run = runRecipeOnce({ file: recipe, text: RECIPE, args: ['--json', '--progress', 'plain'] });
let half: CliResult;
beforeAll(async () => {
  half = await runCli(['--json', '--progress', 'plain', '--set', SET_HALF, recipe], run.cwd);
  expect(half.status, half.stderr).toBe(0);
});

describe('--json', () => {
  it('prints one JSON summary and nothing else on stdout; progress goes to stderr', () => {
    const summary = onlyJson<RunSummary>(run.result);
    expect(summary.version).toBe(1);
    expect(summary.status).toBe('succeeded');
    expect(summary.exitReason).toBeNull();
    expect(summary.folder).toBe(path.join(run.cwd, 'runs', summary.runId));
    expect(summary.recipe).toEqual({ file: 'tiny.yaml', sha256: sha256(RECIPE), overrides: [] });
    expect(summary.seed).toBe(5);
    expect(run.result.stderr).toMatch(/\[COMPLETED\] train/);
  });

  it('summarises what the run recorded: accuracies, the stage, parameters and size', async () => {
    const summary = onlyJson<RunSummary>(run.result);
    const record = await readJson(path.join(summary.folder, 'record.json'));
    expect(summary.runId).toBe(record['runId']);
    expect(summary.accuracy.beforePruning).toBeGreaterThan(0);
    expect(summary.accuracy.drop).toBeCloseTo(summary.accuracy.beforePruning! - summary.accuracy.final!, 12);
    const [stage] = summary.stages;
    expect(stage?.name).toBe('global');
    expect(stage?.globalSparsity).toBe(pythonRound(0.2 * KERNELS) / KERNELS);
    expect(stage?.accuracyAfterPruning).not.toBeNull();
    expect(stage?.accuracyAfterFinetune).toBe(summary.accuracy.final);
    expect(summary.parameters.map((p) => p.name)).toContain('fc1/kernel');
    expect(summary.size?.parameters).toBe(summary.parameters.reduce((n, p) => n + p.count, 0));
  });

  it('prints the summary of a failed run too, saying why and where it is', async () => {
    const dir = await makeTempDir();
    try {
      // The stage's plugin throws once the run is under way: a failure only running finds.
      const file = await writeFailingRecipe(dir);
      const result = await runCli(['--json', '--progress', 'plain', file], dir);
      expect(result.status).toBe(3);
      const summary = onlyJson<RunSummary>(result);
      expect(summary.status).toBe('failed');
      expect(summary.exitReason).toContain(FAILING_PLUGIN_MESSAGE);
      expect(summary.folder).toMatch(/\.partial$/);
      expect(summary.stages).toEqual([]);
      expect(summary.size).toBeNull();
      expect(result.stderr).toMatch(/prune-run failed: /);

      // compare refuses it, naming the folder.
      const partial = path.relative(run.cwd, summary.folder);
      const compared = await runCli(['compare', path.relative(run.cwd, onlyJson<RunSummary>(run.result).folder), partial], run.cwd);
      expect(compared.status).toBe(2);
      expect(compared.stdout).toBe('');
      expect(compared.stderr).toContain(`${partial}: not a finished run (manifest.json says status "failed"`);
    } finally {
      await removeDir(dir);
    }
  });
});

describe('--set', () => {
  it('changes the run: the overridden amount is what the stage pruned', () => {
    const summary = onlyJson<RunSummary>(half);
    expect(summary.stages[0]?.globalSparsity).toBe(pythonRound(0.5 * KERNELS) / KERNELS);
    expect(summary.recipe.overrides).toEqual([{ path: 'stages.0.global.amount', value: 0.5 }]);
  });

  it('records the overrides in resolved.json and the manifest, keeps recipe.yaml as given, and gets its own run id', async () => {
    const summary = onlyJson<RunSummary>(half);
    expect(await readFile(path.join(summary.folder, 'recipe.yaml'), 'utf8')).toBe(RECIPE);
    const resolved = await readJson(path.join(summary.folder, 'resolved.json'));
    expect(resolved['overrides']).toEqual([{ path: 'stages.0.global.amount', value: 0.5 }]);
    expect((resolved['stages'] as { prune: unknown }[])[0]?.prune).toMatchObject({ method: { amount: { amount: 0.5 } } });
    const manifest = await readJson(path.join(summary.folder, 'manifest.json'));
    expect(manifest['recipe']).toEqual({
      file: 'tiny.yaml',
      sha256: summary.recipe.sha256,
      textSha256: sha256(RECIPE),
      overrides: [{ path: 'stages.0.global.amount', value: 0.5 }],
    });
    expect(summary.recipe.sha256).not.toBe(sha256(RECIPE));
    expect(summary.runId.slice(-8)).toBe(summary.recipe.sha256.slice(0, 8));
    expect(summary.runId.slice(-8)).not.toBe(onlyJson<RunSummary>(run.result).runId.slice(-8));
    const plainManifest = await readJson(path.join(onlyJson<RunSummary>(run.result).folder, 'manifest.json'));
    expect(plainManifest['recipe']).toMatchObject({ sha256: sha256(RECIPE), textSha256: sha256(RECIPE), overrides: [] });
  });

  it('applies to --dry-run too', async () => {
    const result = await runCli(['--dry-run', '--json', '--set', 'stages.0.global.amount=0.3', recipe], run.cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(result.stdout))).toContain('"amount":{"amount":0.3}');
  });

  it('refuses a bad path or value with exit 2, naming the --set argument, and writes nothing', async () => {
    const before = await listTree(run.cwd);
    const pastEnd = await runCli(['--set', 'stages.1.global.amount=0.5', recipe], run.cwd);
    expect(pastEnd.status).toBe(2);
    expect(pastEnd.stderr).toBe('--set stages.1.global.amount=0.5: stages has 1 item, so there is no stages.1 (indices 0 to 0)');
    const badValue = await runCli(['--set', 'stages.0.global.amount=2', recipe], run.cwd);
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toMatch(/^--set stages\.0\.global\.amount=2:1:24: stages\[0\]\.global\.amount must be a fraction in \[0, 1\], got 2 \(to prune 2 entries, write count: 2\)$/);
    const noEquals = await runCli(['--set', 'seed', recipe], run.cwd);
    expect(noEquals.status).toBe(2);
    expect(noEquals.stderr).toMatch(/^--set seed: expected path=value/);
    expect(await listTree(run.cwd)).toEqual(before);
  });
});

describe('compare', () => {
  const folders = () => [run.result, half].map((r) => path.relative(run.cwd, onlyJson<RunSummary>(r).folder));

  it('prints the two runs side by side with the differences to the first', async () => {
    const result = await runCli(['compare', ...folders()], run.cwd);
    expect(result.status, result.stderr).toBe(0);
    const [a, b] = folders();
    expect(result.stdout).toContain(`A  ${a}  (tiny.yaml, seed 5,`);
    expect(result.stdout).toContain(`B  ${b}  (tiny.yaml --set stages.0.global.amount=0.5, seed 5,`);
    expect(result.stdout).toMatch(/^ {2}amount \(global l1_unstructured\) +20\.00% +50\.00% +\+30\.00 pp$/m);
    const before = pythonRound(0.2 * KERNELS) / KERNELS;
    const after = pythonRound(0.5 * KERNELS) / KERNELS;
    const points = ((after - before) * 100).toFixed(2);
    expect(result.stdout).toMatch(
      new RegExp(`^ {2}global sparsity after the stage +${(before * 100).toFixed(2)}% +${(after * 100).toFixed(2)}% +\\+${points} pp$`, 'm'),
    );
    expect(result.stdout).toMatch(/^ {2}final accuracy +\d+\.\d\d% +\d+\.\d\d% +[-+]?\d+\.\d\d pp$/m);
    expect(result.stdout).toMatch(/^parameters \(final\)$/m);
    expect(result.stdout).toMatch(/^ {2}fc1\/kernel sparsity +\d+\.\d\d% +\d+\.\d\d% +\+\d+\.\d\d pp$/m);
  });

  it('gives the same as data with --json', async () => {
    const result = await runCli(['compare', '--json', ...folders()], run.cwd);
    expect(result.status, result.stderr).toBe(0);
    const comparison = JSON.parse(result.stdout) as Comparison;
    expect(comparison.runs.map((r) => r.folder)).toEqual(folders());
    const stage = comparison.sections.find((s) => s.title === 'stage global');
    expect(stage?.rows.find((r) => r.label === 'amount (global l1_unstructured)')?.values).toEqual([0.2, 0.5]);
    const nonzeros = comparison.sections[0]?.rows.find((r) => r.label === 'nonzeros');
    const [plainSummary, halfSummary] = [run.result, half].map((r) => onlyJson<RunSummary>(r));
    expect(nonzeros?.values).toEqual([plainSummary!.size!.nonzeros, halfSummary!.size!.nonzeros]);
    expect(nonzeros?.differences).toEqual([null, halfSummary!.size!.nonzeros - plainSummary!.size!.nonzeros]);
  });

  it('needs two run folders', async () => {
    const result = await runCli(['compare', folders()[0]!], run.cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^compare needs at least two run folders, got 1/);
  });
});
