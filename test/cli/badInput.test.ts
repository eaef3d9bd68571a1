/**
 * Bad input through the real command: every problem printed as file:line:col, exit status 2,
 * and nothing written under runs/ (nor anywhere else in the working directory).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
});
afterEach(async () => {
  await removeDir(cwd);
});

const GOOD_STAGES = `stages:
  - name: s
    global:
      method: l1_unstructured
      amount: 0.2
      select:
        - {layer_type: conv2d, param: kernel}
`;

async function expectBadInput(recipe: string, expected: RegExp[]): Promise<string> {
  const file = await writeRecipe(cwd, 'recipe.yaml', recipe);
  const before = await listTree(cwd);
  const result = await runCli([file], cwd);
  expect(result.status).toBe(2);
  for (const pattern of expected) expect(result.stderr).toMatch(pattern);
  expect(await listTree(cwd)).toEqual(before);
  expect(await listTree(`${cwd}/runs`)).toEqual([]);
  return result.stderr;
}

describe('bad recipes exit 2, say where, write nothing', () => {
  it('YAML syntax error', async () => {
    await expectBadInput(
      `model: {builtin: lenet}\nstages:\n  - name: a\n    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]\n  - name: b\n`,
      [/^recipe\.yaml:5:3: invalid YAML/m],
    );
  });

  it('schema violations, all of them at once, with the offending values', async () => {
    const stderr = await expectBadInput(
      `model: {builtin: lenet}
data: {builtin: mnist, train_size: 300, test_size: 100}
train: {epochs: 1, optimizer: adamw}
stages:
  - name: s
    global:
      method: l1_unstructured
      amount: 1.5
      select: [{layer_type: conv2d}]
`,
      [
        /^recipe\.yaml:3:31: train\.optimizer must be one of sgd, adam, got "adamw"/m,
        /^recipe\.yaml:8:15: stages\[0\]\.global\.amount must be a fraction in \[0, 1\], got 1\.5/m,
      ],
    );
    expect(stderr.split('\n').filter((line) => line.startsWith('recipe.yaml:'))).toHaveLength(2);
  });

  it('an integer amount is refused with a hint to write count', async () => {
    await expectBadInput(GOOD_STAGES.replace('amount: 0.2', 'amount: 3').replace(/^/, 'model: {builtin: lenet}\n'), [
      /^recipe\.yaml:6:15: .*got 3 \(to prune 3 entries, write count: 3\)/m,
    ]);
  });

  it('a selector that matches no layer of the model', async () => {
    await expectBadInput(
      `model: {builtin: lenet}
stages:
  - name: s
    targets:
      - select: {layer: "conv9", param: kernel}
        method: l1_unstructured
        amount: 0.2
`,
      [/^recipe\.yaml:5:17: selector \{layer: "conv9", param: "kernel"\} matches no parameter of builtin:lenet: no layer is called "conv9" \(did you mean "conv1"\?\); its parameters are: conv1 \(conv2d: kernel, bias\)/m],
    );
  });

  it('a count larger than the parameter', async () => {
    await expectBadInput(
      `model: {builtin: lenet}
stages:
  - name: s
    targets:
      - select: {layer: conv1, param: bias}
        method: l1_unstructured
        count: 7
`,
      [/^recipe\.yaml:5:9: count: 7 is more than the 6 entries of conv1\/bias/m],
    );
  });

  it('missing model and data files', async () => {
    await expectBadInput(
      `model: {path: nets/missing/model.json}
data:
  idx:
    train: {images: a.gz, labels: b.gz}
    test: {images: c.gz, labels: d.gz}
${GOOD_STAGES}`,
      [/^recipe\.yaml:1:15: model file not found/m, /^recipe\.yaml:4:21: .*not found/m, /^recipe\.yaml:5:34: test labels file not found/m],
    );
  });

  it('a recipe file that does not exist', async () => {
    const result = await runCli(['nope.yaml'], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/cannot read recipe nope\.yaml/);
    expect(await listTree(cwd)).toEqual([]);
  });
});

describe('command line', () => {
  it('--help and --version exit 0 on stdout', async () => {
    const help = await runCli(['--help'], cwd);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: prune-run/);
    const version = await runCli(['--version'], cwd);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('unknown flags and bad flag values are usage errors (exit 2)', async () => {
    expect((await runCli(['--frobnicate', 'r.yaml'], cwd)).status).toBe(2);
    const backend = await runCli(['--backend', 'gpu', 'r.yaml'], cwd);
    expect(backend.status).toBe(2);
    expect(backend.stderr).toMatch(/--backend must be one of auto, tensorflow, wasm, cpu, got "gpu"/);
    const threads = await runCli(['--threads', '0', 'r.yaml'], cwd);
    expect(threads.status).toBe(2);
    expect(threads.stderr).toMatch(/--threads must be 1( to 2)? on this machine, got "0"/);
  });

  it('a project config with an unknown key is refused, naming the file', async () => {
    await writeRecipe(cwd, '.prune-runrc.json', JSON.stringify({ runDir: 'x' }));
    await writeRecipe(cwd, 'package.json', '{}');
    const result = await runCli(['--dry-run', 'r.yaml'], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/\.prune-runrc\.json:1:2: unknown key "runDir" at the top level \(did you mean "runsDir"\?\)/);
    await writeRecipe(cwd, '.prune-runrc.json', JSON.stringify({ threads: 'two' }));
    const threads = await runCli(['--dry-run', 'r.yaml'], cwd);
    expect(threads.status).toBe(2);
    expect(threads.stderr).toMatch(/\.prune-runrc\.json:1:12: threads must be an integer ≥ 1, got "two"/);
  });

  it('project defaults come from the config file and flags override them', async () => {
    await writeRecipe(cwd, 'package.json', JSON.stringify({ name: 'x', 'prune-run': { seed: 11, runsDir: 'experiments' } }));
    const file = await writeRecipe(cwd, 'recipe.yaml', `model: {builtin: lenet}\n${GOOD_STAGES}`);
    const fromConfig = JSON.parse((await runCli(['--dry-run', '--json', file], cwd)).stdout) as { seed: number };
    expect(fromConfig.seed).toBe(11);
    const fromFlag = JSON.parse((await runCli(['--dry-run', '--json', '--seed', '12', file], cwd)).stdout) as { seed: number };
    expect(fromFlag.seed).toBe(12);
    // A recipe's own seed wins over both.
    await writeRecipe(cwd, 'seeded.yaml', `seed: 5\nmodel: {builtin: lenet}\n${GOOD_STAGES}`);
    const own = JSON.parse((await runCli(['--dry-run', '--json', '--seed', '12', 'seeded.yaml'], cwd)).stdout) as { seed: number };
    expect(own.seed).toBe(5);
    // runsDir, relative to the config file: a real (tiny, no-training) run lands there.
    const run = await runCli(['--progress', 'plain', '--threads', '1', file], cwd);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^experiments\/\d{8}-\d{6}Z-[0-9a-f]{8}$/);
    const elsewhere = await runCli(['--progress', 'plain', '--runs-dir', 'other', file], cwd);
    expect(elsewhere.stdout).toMatch(/^other\//);
  });

  it('--dry-run prints the plan with the parameters each selector picks, and writes nothing', async () => {
    const file = await writeRecipe(cwd, 'recipe.yaml', `model: {builtin: lenet}\n${GOOD_STAGES}`);
    const result = await runCli(['--dry-run', file], cwd);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/prune:s/);
    expect(result.stdout).toMatch(/conv1\/kernel \[3, 3, 1, 6\]/);
    expect(result.stdout).toMatch(/conv2\/kernel \[3, 3, 6, 16\]/);
    // The plan's tasks name only the selected parameters; the channel groups after them name every layer.
    expect(result.stdout.split('\nchannel groups')[0]).not.toMatch(/fc1/);
    expect(await listTree(cwd)).toEqual(['recipe.yaml']);
    const json = await runCli(['--dry-run', '--json', file], cwd);
    const plan = JSON.parse(json.stdout) as { tasks: { id: string }[] };
    expect(plan.tasks.map((t) => t.id)).toEqual(['load-model', 'prune:s', 'export', 'report']);
  });
});
