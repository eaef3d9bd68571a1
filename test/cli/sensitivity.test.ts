/**
 * `prune-run sensitivity` and `allocate: sensitivity` end to end on a small MNIST recipe: the
 * analysis writes sensitivity.json, sensitivity.csv and a chart in report.html to a normal run
 * folder; a rerun takes the training and the analysis from the stage cache; one thread and two
 * give the same files byte for byte; an allocating step reads the same analysis and prunes
 * exactly its amount; bad input is refused with status 2 and nothing written.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/runs/record.js';
import { listTree, makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const recipe = (step: string) => `seed: 3
model: {builtin: lenet}
data: {builtin: mnist, train_size: 640, test_size: 200}
train: {epochs: 2, batch_size: 32}
stages:
  - name: s
    global:
      method: l1_unstructured
      ${step}
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]
    finetune: {epochs: 1}
`;

const AMOUNTS = ['--amounts', '0.9,0.5,0.99'];
const analysis = runRecipeOnce({ file: 'r.yaml', text: recipe('amount: 0.9'), args: ['sensitivity', '--progress', 'plain', ...AMOUNTS] });
const read = (dir: string, file: string) => readFile(path.join(dir, file), 'utf8');

describe('prune-run sensitivity', () => {
  it('writes the curves to a normal run folder: sensitivity.json, sensitivity.csv and a chart in report.html', async () => {
    const dir = analysis.runDir;
    const files = await listTree(dir);
    for (const file of ['sensitivity.json', 'sensitivity.csv', 'report.html', 'report.md', 'record.json', 'manifest.json', 'plan.json', 'recipe.yaml']) expect(files).toContain(file);
    expect(files).not.toContain('masks.safetensors');
    const document = JSON.parse(await read(dir, 'sensitivity.json')) as { format: string; analyses: NonNullable<RunRecord['sensitivity']> };
    expect(document.format).toBe('prune-run-sensitivity/1');
    const [only] = document.analyses;
    expect(only!.amounts).toEqual([0.5, 0.9, 0.99]);
    expect(only!.curves.map((c) => c.name)).toEqual(['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    expect(only!.curves[2]!.points.map((p) => p.pruned)).toEqual([24000, 43200, 47520]);
    // Pruning 99% of conv1 alone costs more than 50% of it.
    const conv1 = only!.curves[0]!.points;
    expect(conv1[2]!.accuracy).toBeLessThan(conv1[0]!.accuracy);
    const csv = (await read(dir, 'sensitivity.csv')).trimEnd().split('\n');
    expect(csv[0]).toBe('analysis,kind,name,unit,size,candidates,amount,pruned,accuracy,loss');
    expect(csv).toHaveLength(1 + 5 * 4);
    expect(csv[1]).toMatch(/^sensitivity,parameter,conv1\/kernel,entries,54,54,0,0,/);
    const html = await read(dir, 'report.html');
    expect(html).toContain('Sensitivity (sensitivity): test accuracy with one subject pruned alone');
    // One line per parameter, each named.
    for (const name of ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel']) expect(html).toContain(`data-series="${name}"`);
    const plan = JSON.parse(await read(dir, 'plan.json')) as { command: string };
    expect(plan.command).toBe('sensitivity');
  });

  it('takes the training and the analysis from the stage cache on a rerun, with the same files', async () => {
    const again = await runCli(['sensitivity', '--progress', 'plain', ...AMOUNTS, 'r.yaml'], analysis.cwd);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/reused, not run again: .*train \(stage cache\).*sensitivity \(stage cache\)/);
    const dir = path.resolve(analysis.cwd, again.stdout.trim());
    expect(await read(dir, 'sensitivity.json')).toBe(await read(analysis.runDir, 'sensitivity.json'));
    expect(await read(dir, 'sensitivity.csv')).toBe(await read(analysis.runDir, 'sensitivity.csv'));
  });

  it('gives the same bytes on one thread as on two', async () => {
    const runs: string[] = [];
    for (const threads of ['1', '2']) {
      const result = await runCli(['sensitivity', '--progress', 'plain', '--no-cache', '--threads', threads, ...AMOUNTS, 'r.yaml'], analysis.cwd);
      expect(result.status, result.stderr).toBe(0);
      runs.push(await read(path.resolve(analysis.cwd, result.stdout.trim()), 'sensitivity.json'));
    }
    expect(runs[1]).toBe(runs[0]);
    expect(runs[0]).toBe(await read(analysis.runDir, 'sensitivity.json'));
  });

  it('allocates a global step from the same analysis and prunes exactly its amount', async () => {
    const cwd = analysis.cwd;
    await writeRecipe(cwd, 'a.yaml', recipe('amount: 0.9\n      allocate: {by: sensitivity, amounts: [0.5, 0.9, 0.99]}'));
    // The analysis is in the stage cache (the sensitivity run above made it): the dry run knows the amounts.
    const dry = await runCli(['--dry-run', 'a.yaml'], cwd);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/sensitivity:s\s+← train, load-data/);
    expect(dry.stdout).toMatch(/from sensitivity:s's curves \(from the stage cache\)/);
    const planned = new Map([...dry.stdout.matchAll(/^\s+(\S+) \[[\d, ]+\]: (\d+) of \d+ entries/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect([...planned.keys()]).toEqual(['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    // Without the cache it cannot know them.
    const blind = await runCli(['--dry-run', '--no-cache', 'a.yaml'], cwd);
    expect(blind.stdout).toMatch(/chosen at run time/);
    const run = await runCli(['--progress', 'plain', 'a.yaml'], cwd);
    expect(run.status, run.stderr).toBe(0);
    // The analysis is the one `prune-run sensitivity` made of the same state (the same key).
    expect(run.stderr).toMatch(/sensitivity:s \(stage cache\)/);
    const dir = path.resolve(cwd, run.stdout.trim());
    const record = JSON.parse(await read(dir, 'record.json')) as RunRecord;
    const [allocation] = record.pruning[0]!.allocations!;
    expect(allocation!.budget).toBe(53854);
    expect(allocation!.parameters.reduce((sum, p) => sum + p.count, 0)).toBe(53854);
    for (const p of allocation!.parameters) {
      expect(record.pruning[0]!.parameters[p.name]!.zeros).toBe(p.count);
      expect(p.count).toBe(planned.get(p.name));
    }
    expect(record.pruning[0]!.global.zeros).toBe(53854);
    expect(await read(dir, 'report.html')).toContain('Amounts allocated from');
    expect(await read(dir, 'sensitivity.json')).toContain('"taskId": "sensitivity:s"');
  });

  it('refuses bad amounts and --amounts outside sensitivity, writing nothing', async () => {
    const cwd = await makeTempDir();
    try {
      await writeRecipe(cwd, 'r.yaml', recipe('amount: 0.9'));
      for (const argv of [
        ['sensitivity', '--amounts', '0,0.5', 'r.yaml'],
        ['sensitivity', '--amounts', '0.5,0.5', 'r.yaml'],
        ['--amounts', '0.5', 'r.yaml'],
      ]) {
        const result = await runCli(argv, cwd);
        expect(result.status, result.stderr).toBe(2);
        expect(result.stderr).toMatch(/--amounts/);
      }
      expect(await listTree(path.join(cwd, 'runs'))).toEqual([]);
    } finally {
      await removeDir(cwd);
    }
  });
});
