/**
 * What a recipe may make prune-run read and build is bounded (src/recipe/limits.ts): each bound
 * crossed is refused by the real command (a child process) with exit 2, at the recipe's line and
 * column, naming the limit and the value, with no stack trace, nothing written, little memory and
 * little time — where before `repeat: 5000000` in a 170-byte recipe crashed V8 during --dry-run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECIPE_LIMITS } from '../../src/recipe/limits.js';
import { runCliChild } from '../helpers/child.js';
import { listTree, makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
});
afterEach(async () => {
  await removeDir(cwd);
});

const STAGE = (name: string, extra = '') => `  - name: ${name}\n    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}\n${extra}`;

/** Runs `prune-run --dry-run <file>` (or `argv`) on bad input and checks everything a refusal promises; returns stderr. */
async function expectRefused(text: string | null, expected: RegExp, argv: string[] = ['--dry-run', 'recipe.yaml']): Promise<string> {
  if (text !== null) await writeRecipe(cwd, 'recipe.yaml', text);
  const before = await listTree(cwd);
  const result = await runCliChild(cwd, argv, { timeoutMs: 60_000 });
  expect(result.timedOut).toBe(false);
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr).toMatch(expected);
  expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(result.stdout).toBe('');
  expect(await listTree(cwd)).toEqual(before);
  expect(result.peakRssMB).toBeLessThan(400);
  return result.stderr;
}

describe('bounds on what a recipe makes the planner build', () => {
  it('repeat: 5000000 is refused at its value, naming the limit (it crashed V8 before)', async () => {
    const text = `model: {builtin: lenet}\nstages:\n${STAGE('s', '    repeat: 5000000\n')}`;
    expect(text.length).toBeLessThan(170);
    await expectRefused(text, /^recipe\.yaml:5:13: stages\[0\]\.repeat must be an integer in \[1, 100\], got 5000000 \(prune-run's limit on a stage's prune–fine-tune cycles/m);
  });

  it('more stages than the limit are refused at the list', async () => {
    const stages = Array.from({ length: RECIPE_LIMITS.stages + 1 }, (_, i) => STAGE(`s${i}`)).join('');
    await expectRefused(`model: {builtin: lenet}\nstages:\n${stages}`, /^recipe\.yaml:3:3: stages has 101 entries; the limit is 100 \(prune-run's limit on a recipe's stages\)$/m);
  });

  it("the stages' cycles together are bounded, at the repeat that passes the limit", async () => {
    const stages = Array.from({ length: 11 }, (_, i) => STAGE(`s${i}`, '    repeat: 100\n')).join('');
    // Stage i's repeat is on line 5 + 3i.
    await expectRefused(
      `model: {builtin: lenet}\nstages:\n${stages}`,
      /^recipe\.yaml:35:13: the stages up to stages\[10\] run 1,100 prune–fine-tune cycles \(the sum of their repeat\); the limit is 1,000 for a whole recipe$/m,
    );
  });

  it("the plan's pruning work is bounded before the plan is built: many targets picking every parameter, repeated", async () => {
    const targets = Array.from({ length: 101 }, () => '      - {select: {param: "*"}, method: l1_unstructured, amount: 0.01}\n').join('');
    await expectRefused(
      `model: {builtin: lenet}\nstages:\n  - name: s\n    repeat: 100\n    targets:\n${targets}`,
      /^recipe\.yaml:3:5: stage s: the plan would prune 101,000 parameters up to this stage \(1,010 per cycle here, repeat 100; .*the limit is 100,000 for a whole recipe/m,
    );
  });

  it("a schedule's mask updates are bounded", async () => {
    await expectRefused(
      `model: {builtin: lenet}
data: {builtin: mnist, train_size: 8000, test_size: 100}
stages:
  - name: s
    global:
      method: l1_unstructured
      select: [{param: kernel}]
      schedule: {kind: gradual, initial: 0, final: 0.5, start: 0, end: 200000, unit: steps, every: 1}
    finetune: {epochs: 25, batch_size: 1}
`,
      /^recipe\.yaml:8:17: schedule: it would update the masks 200,001 times \(every 1 steps from step 0 to 200,000\); the limit is 100,000 updates a schedule: raise every$/m,
    );
  });
});

describe('bounds on what a recipe file makes prune-run read', () => {
  it('a recipe over 1 MiB is refused where it passes the limit, without reading the rest', async () => {
    const text = `model: {builtin: lenet}\n${`# ${'x'.repeat(1021)}\n`.repeat(1536)}`;
    const limit = RECIPE_LIMITS.bytes;
    const line = text.slice(0, limit).split('\n').length;
    const col = limit - text.lastIndexOf('\n', limit - 1);
    await expectRefused(text, new RegExp(`^recipe\\.yaml:${line}:${col}: the recipe is 1,572,888 bytes, over the limit of 1,048,576 bytes \\(1 MiB\\)`, 'm'));
  });

  it('an endless file is read no further than the limit', async () => {
    await expectRefused(null, /^\/dev\/zero:1:1048577: the recipe is more than 1,048,576 bytes, over the limit/m, ['--dry-run', '/dev/zero']);
  });

  it('nesting past the limit is refused at the first level past it, before the YAML parser recurses', async () => {
    const deep = 100_000;
    await expectRefused(
      `model: {builtin: lenet}\nstages: ${'['.repeat(deep)}${']'.repeat(deep)}\n`,
      // The top-level mapping is level 1; the 64th "[" (column 9 + 63) is level 65.
      /^recipe\.yaml:2:72: the recipe nests mappings and lists more than 64 levels deep here; the limit is 64 levels/m,
    );
  });

  it('block-style nesting counts the same', async () => {
    // k0 sits in the top-level mapping (level 1), so the mapping holding k64 (line 67) is level 65.
    const lines = Array.from({ length: 70 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    await expectRefused(`model: {builtin: lenet}\nstages: []\n${lines} 1\n`, /^recipe\.yaml:67:129: the recipe nests mappings and lists more than 64 levels deep here/m);
  });

  it('aliases that copy a value deeper than the limit are refused at the first alias', async () => {
    const nest = (n: number, inner: string) => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
    await expectRefused(
      `model: {builtin: lenet}\nstages: []\na: &a ${nest(40, '1')}\nb: ${nest(30, '*a')}\n`,
      /^recipe\.yaml:4:34: through its aliases \(\*name\), the recipe nests mappings and lists more than 64 levels deep here/m,
    );
  });

  it('an alias bomb (a billion laughs in 300 bytes) is refused at its first alias', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(', ')}]`);
    }
    await expectRefused(`model: {builtin: lenet}\nstages: []\n${levels.join('\n')}\n`, /^recipe\.yaml:4:8: invalid YAML: Excessive alias count/m);
  });

  it('a --set value nested past the limit is refused, naming the argument', async () => {
    await writeRecipe(cwd, 'recipe.yaml', `model: {builtin: lenet}\nstages:\n${STAGE('s')}`);
    const value = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    await expectRefused(null, /^--set train=\[+\]+: the value nests mappings and lists more than 64 levels deep here; the limit is 64 levels/m, ['--dry-run', '--set', `train=${value}`, 'recipe.yaml']);
  });
});
