/**
 * Settings from outside the recipe are refused where they are written: a `--set` argument at its
 * own column (not at some line of the recipe), the project config at file:line:col of the key
 * when the file is JSON or YAML, both with a did-you-mean; --threads only where it means
 * something on this machine. Through the real command: exit 2, nothing written.
 */
import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliChild } from '../helpers/child.js';
import { listTree, makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
  // The recipe's first key is on line 12, after a comment block, as in the shipped recipes.
  await writeRecipe(cwd, 'recipe.yaml', `${'# a comment\n'.repeat(11)}model: {builtin: lenet}\nstages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}\n`);
});
afterEach(async () => {
  await removeDir(cwd);
});

async function expectRefused(argv: string[], expected: RegExp): Promise<string> {
  const before = await listTree(cwd);
  const result = await runCliChild(cwd, argv);
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr).toMatch(expected);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(await listTree(cwd)).toEqual(before);
  return result.stderr;
}

describe('--set problems are located in the argument', () => {
  it('a key the recipe does not have, created by --set, is blamed on the argument, not on line 12', async () => {
    const stderr = await expectRefused(['--dry-run', '--set', 'bogus.x=1', 'recipe.yaml'], /^--set bogus\.x=1:1:1: unknown key "bogus" at the top level \(allowed: seed, model, /m);
    expect(stderr).not.toMatch(/recipe\.yaml:/);
  });

  it('with a did-you-mean, at the column of the misspelt key, among several --set', async () => {
    await expectRefused(['--dry-run', '--set', 'seed=3', '--set', 'trian.epochs=1', 'recipe.yaml'], /^--set trian\.epochs=1:1:1: unknown key "trian" at the top level \(did you mean "train"\?\)$/m);
    await expectRefused(['--dry-run', '--set', 'train.epoch=1', 'recipe.yaml'], /^--set train\.epoch=1:1:7: unknown key "epoch" in train \(did you mean "epochs"\?\)$/m);
    await expectRefused(['--dry-run', '--set', 'stages[0].global.amout=0.5', 'recipe.yaml'], /^--set stages\[0\]\.global\.amout=0\.5:1:18: unknown key "amout" in stages\[0\]\.global \(did you mean "amount"\?\)$/m);
  });

  it('a mapping --set creates that lacks a required key is blamed on the argument', async () => {
    await expectRefused(['--dry-run', '--set', 'train.batch_size=32', 'recipe.yaml'], /^--set train\.batch_size=32:1:1: train is missing the required key "epochs"/m);
  });
});

describe('the project config is checked by its JSON Schema, located', () => {
  it('an unknown key in a JSON config, at its line and column, with a did-you-mean', async () => {
    await writeFile(path.join(cwd, '.prune-runrc.json'), '{\n  "seed": 1,\n  "runDir": "elsewhere"\n}\n');
    await expectRefused(['--dry-run', 'recipe.yaml'], /\/\.prune-runrc\.json:3:3: unknown key "runDir" at the top level \(did you mean "runsDir"\?\)$/m);
  });

  it("package.json's prune-run key, located in package.json", async () => {
    await writeFile(path.join(cwd, 'package.json'), '{\n  "name": "x",\n  "prune-run": {\n    "thread": 1\n  }\n}\n');
    await expectRefused(['--dry-run', 'recipe.yaml'], /\/package\.json:4:5: unknown key "thread" at the top level \(did you mean "threads"\?\)$/m);
  });

  it('a YAML config: every problem at once, in order, each at its value', async () => {
    await writeFile(path.join(cwd, '.prune-runrc.yaml'), 'backend: wsam\ncacheMaxMB: 0\ndatasets:\n  fashion_mnist: ./data\n');
    const stderr = await expectRefused(['--dry-run', 'recipe.yaml'], /\/\.prune-runrc\.yaml:1:10: backend must be one of auto, tensorflow, wasm, cpu, got "wsam" \(did you mean "wasm"\?\)$/m);
    expect(stderr).toMatch(/\/\.prune-runrc\.yaml:2:13: cacheMaxMB must be a number > 0, got 0$/m);
    expect(stderr).toMatch(/\/\.prune-runrc\.yaml:4:3: unknown key "fashion_mnist" in datasets \(did you mean "fashion-mnist"\?\)$/m);
  });

  it('a JavaScript config has no lines to point at: the file is named', async () => {
    await writeFile(path.join(cwd, 'prune-run.config.mjs'), 'export default { runDir: "x" };\n');
    await expectRefused(['--dry-run', 'recipe.yaml'], /\/prune-run\.config\.mjs: unknown key "runDir" at the top level \(did you mean "runsDir"\?\)$/m);
  });
});

describe('--threads means something or is refused', () => {
  const most = Math.min(2, availableParallelism());
  const allowed = most === 1 ? '1' : `1 to ${most}`;

  it.each(['3', '4', '0', 'two', '1.5'])('--threads %s is refused, saying what is allowed and why', async (value) => {
    await expectRefused(['--dry-run', '--threads', value, 'recipe.yaml'], new RegExp(`^--threads must be ${allowed} on this machine, got "${value.replace('.', '\\.')}": training splits each batch's gradient into 2 fixed shards`, 'm'));
  });

  it('threads: 3 in the project config is refused at its value', async () => {
    await writeFile(path.join(cwd, '.prune-runrc.json'), '{"threads": 3}');
    await expectRefused(['--dry-run', 'recipe.yaml'], new RegExp(`/\\.prune-runrc\\.json:1:13: threads must be ${allowed} on this machine, got 3`, 'm'));
  });

  it('every meaningful value is accepted', async () => {
    for (let threads = 1; threads <= most; threads++) {
      const result = await runCliChild(cwd, ['--dry-run', '--threads', String(threads), 'recipe.yaml']);
      expect(result.status, result.stderr).toBe(0);
    }
  });
});
