/**
 * What a user reads when something goes wrong, through the real command in child processes: an
 * output folder that cannot be written is bad input found before anything starts (exit 2, one
 * line, nothing written); a plugin that imports a file is refused at its own line and column
 * (exit 2, never run); a run that fails is exit 3 with one line and its reason in the manifest;
 * and a stack trace appears only when asked for (--debug, PRUNE_RUN_DEBUG=1).
 */
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';
import { runCliChild, STACK_LINE } from '../helpers/child.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir('prune-run-failures-');
});
afterEach(async () => {
  await removeDir(cwd);
});

const recipe = (module: string) => `seed: 3
model: {builtin: lenet}
data: {builtin: mnist, train_size: 128, test_size: 32}
train: {epochs: 1, batch_size: 64}
stages:
  - name: p
    targets:
      - select: {layer: fc3, param: bias}
        method: custom
        module: ${module}
`;

/** Runs the command and checks it refused with exit 2 and one line, leaving the folder as it was. */
async function expectRefused(args: string[], line: RegExp, options: Parameters<typeof runCliChild>[2] = {}): Promise<void> {
  const before = await listTree(cwd);
  const result = await runCliChild(cwd, args, options);
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(line);
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stdout).toBe('');
  expect(await listTree(cwd)).toEqual(before);
}

describe('the runs folder, checked before anything starts', () => {
  it('a file where the runs folder should be, or above it: exit 2, one line, nothing written', async () => {
    await writeRecipe(cwd, 'recipe.yaml', recipe('p.js'));
    await writeFile(path.join(cwd, 'out.txt'), 'not a folder');
    await expectRefused(['--runs-dir', 'out.txt', 'recipe.yaml'], /^runs folder out\.txt \(--runs-dir\): it is a file, not a folder; nothing was run$/);
    await expectRefused(['--runs-dir', 'out.txt/runs', 'recipe.yaml'], /^runs folder out\.txt\/runs \(--runs-dir\): .*out\.txt is a file, not a folder, so the runs folder cannot be made in it; nothing was run$/);
    // The plugin the recipe names does not even exist: the folder is checked first.
    await writeFile(path.join(cwd, '.prune-runrc.json'), JSON.stringify({ runsDir: 'out.txt' }));
    await expectRefused(['recipe.yaml'], /^runs folder out\.txt \(runsDir in .*\.prune-runrc\.json\): it is a file, not a folder; nothing was run$/);
  }, 30_000);

  it('a runs folder this user cannot write: exit 2, one line, nothing written', async () => {
    await writeRecipe(cwd, 'recipe.yaml', recipe('p.js'));
    await mkdir(path.join(cwd, 'locked'));
    await chmod(path.join(cwd, 'locked'), 0o555);
    // root writes anywhere: run the command as nobody then, which may read the project but write nothing here.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await chmod(cwd, 0o755);
    const options = asRoot ? { uid: 65534, gid: 65534, env: { HOME: cwd } } : {};
    await expectRefused(['--runs-dir', 'locked', 'recipe.yaml'], /^runs folder locked \(--runs-dir\): it cannot be written: permission denied \(EACCES\); nothing was run$/, options);
    await expectRefused(['--runs-dir', 'locked/runs', 'recipe.yaml'], /^runs folder locked\/runs \(--runs-dir\): .*locked, where it would be made, cannot be written: permission denied \(EACCES\); nothing was run$/, options);
    expect(await readdir(path.join(cwd, 'locked'))).toEqual([]);
    await chmod(path.join(cwd, 'locked'), 0o755);
  }, 30_000);
});

describe('a plugin that imports a file', () => {
  it('is refused at its import\'s line and column (exit 2), and never runs', async () => {
    const marker = path.join(cwd, 'outside-ran');
    await writeFile(path.join(cwd, 'outside.mjs'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport const suffix = '';\n`);
    const plugin = path.join(cwd, 'project', 'escape.js');
    await mkdir(path.dirname(plugin));
    await writeFile(plugin, `// reaches outside the recipe's tree\nimport { suffix } from ${JSON.stringify(`file://${cwd}/outside.mjs`)};\nexport default { name: 'e' + suffix, kind: 'global', computeMask: (s, m) => m.slice() };\n`);
    await writeRecipe(cwd, 'project/recipe.yaml', recipe('escape.js'));
    await expectRefused(
      ['--allow-plugins', 'project/recipe.yaml'],
      new RegExp(
        `^project/recipe\\.yaml:10:17: plugin module "escape\\.js" imports what a plugin may not \\(it can import only Node's built-in modules \\(node:fs, node:path, node:crypto, …\\)\\): ` +
          `${plugin.replaceAll('.', '\\.')}:2:24: "file://.*outside\\.mjs" is not a Node built-in: a plugin is one file, run from the bytes that were hashed.*; put its helpers in the same file$`,
      ),
    );
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
  }, 30_000);
});

describe('a run that fails', () => {
  const THROWS = `export default { name: 'thrower', kind: 'unstructured', computeMask() { throw new Error('boom'); } };\n`;

  it('is exit 3 with one line naming what failed; .partial kept with the reason; the stack only with --debug or PRUNE_RUN_DEBUG=1', async () => {
    await writeFile(path.join(cwd, 'thrower.js'), THROWS);
    await writeRecipe(cwd, 'recipe.yaml', recipe('thrower.js'));
    const plain = await runCliChild(cwd, ['--progress', 'plain', '--no-cache', '--allow-plugins', 'recipe.yaml']);
    expect(plain.status, plain.stderr).toBe(3);
    const failure = `prune-run failed: plugin "thrower" (${path.join(cwd, 'thrower.js')}) on 'fc3/bias': computeMask threw: boom; the pruning is not applied`;
    expect(plain.stderr.trimEnd().split('\n').at(-1)).toBe(failure);
    expect(plain.stderr).not.toMatch(STACK_LINE);
    const runs = await readdir(path.join(cwd, 'runs'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/\.partial$/);
    const manifest = JSON.parse(await readFile(path.join(cwd, 'runs', runs[0]!, 'manifest.json'), 'utf8')) as { status: string; exitReason: string };
    expect(manifest).toMatchObject({ status: 'failed', exitReason: `PruneError: ${failure.slice('prune-run failed: '.length)}` });

    const debug = await runCliChild(cwd, ['--progress', 'plain', '--no-cache', '--allow-plugins', '--debug', '--runs-dir', 'debug', 'recipe.yaml']);
    expect(debug.status, debug.stderr).toBe(3);
    expect(debug.stderr).toContain(failure);
    expect(debug.stderr).toMatch(STACK_LINE);
    // The plugin's own frame, named by its file (not the data: URL it runs from).
    expect(debug.stderr).toMatch(new RegExp(`caused by:\\nError: boom\\n\\s+at .*${path.join(cwd, 'thrower.js').replaceAll('.', '\\.')}`));
    // The environment variable asks the same, for any failure (here bad input: no run needed).
    const env = await runCliChild(cwd, ['--runs-dir', 'thrower.js', 'recipe.yaml'], { env: { PRUNE_RUN_DEBUG: '1' } });
    expect(env.status, env.stderr).toBe(2);
    expect(env.stderr).toMatch(/^runs folder thrower\.js \(--runs-dir\): it is a file, not a folder; nothing was run\nUsageError: runs folder/);
    expect(env.stderr).toMatch(STACK_LINE);
  }, 60_000);
});
