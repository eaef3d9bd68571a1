/**
 * Plugins through the real command: refused without permission and from outside the recipe's
 * tree (exit 2, located message, the module never imported, nothing under runs/); with
 * --allow-plugins or allowPlugins: true in the project config the run says which file it loaded
 * (path and sha256), prunes with it, and records it in manifest.json.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { listTree, makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';
import { EVERY_OTHER_JS, pluginRecipe, writeModule } from '../plugins/helpers.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
});
afterEach(async () => {
  await removeDir(cwd);
});

/** A module that leaves a mark when imported: a refused plugin must never run. */
const marker = () => path.join(cwd, 'plugin-ran');
const MARKING = () => `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker())}, 'ran');\n${EVERY_OTHER_JS}`;

async function expectRefused(argv: string[], expected: RegExp): Promise<void> {
  const before = await listTree(cwd);
  const result = await runCli(argv, cwd);
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(expected);
  expect(await listTree(cwd)).toEqual(before);
  expect(await listTree(path.join(cwd, 'runs'))).toEqual([]);
  await expect(readFile(marker())).rejects.toThrow(/ENOENT/);
}

describe('refused plugins', () => {
  it('without permission: exit 2 at the module value, saying how to allow it, nothing run', async () => {
    await writeModule(cwd, 'plugins/mark.js', MARKING());
    await writeRecipe(cwd, 'recipe.yaml', pluginRecipe('plugins/mark.js'));
    await expectRefused(['recipe.yaml'], /^recipe\.yaml:7:17: plugin module "plugins\/mark\.js" is code, and a recipe is data: .*Run with --allow-plugins, or set allowPlugins: true in the project config/m);
    await expectRefused(['--dry-run', 'recipe.yaml'], /^recipe\.yaml:7:17: plugin module "plugins\/mark\.js" is code/m);
  });

  it('outside the recipe\'s tree, even with --allow-plugins: exit 2, nothing run', async () => {
    await writeModule(cwd, 'mark.js', MARKING());
    await writeModule(cwd, 'recipes/recipe.yaml', pluginRecipe('../mark.js'));
    await expectRefused(
      ['--allow-plugins', 'recipes/recipe.yaml'],
      /^recipes\/recipe\.yaml:7:17: plugin module "\.\.\/mark\.js" is .*mark\.js, outside the recipe's folder .*recipes; prune-run loads plugins only from inside the recipe's own directory tree/m,
    );
  });

  it('a bad project config value is bad input too', async () => {
    await writeFile(path.join(cwd, '.prune-runrc.json'), JSON.stringify({ allowPlugins: 'yes' }));
    await writeRecipe(cwd, 'recipe.yaml', pluginRecipe('p.js'));
    const result = await runCli(['recipe.yaml'], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/allowPlugins must be true or false, got "yes"/);
  });
});

describe('an allowed plugin', () => {
  it('runs with --allow-plugins: prints the file and sha256, prunes every other entry, records it in the manifest', async () => {
    const file = await writeModule(cwd, 'plugins/every-other.js', EVERY_OTHER_JS);
    const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    await writeRecipe(cwd, 'recipe.yaml', pluginRecipe('plugins/every-other.js', '{layer: fc3, param: bias}'));
    const result = await runCli(['--allow-plugins', '--progress', 'plain', 'recipe.yaml'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`loaded plugin ${file} (sha256 ${sha256}): "every_other_js", unstructured`);
    const runDir = path.resolve(cwd, result.stdout.trim());
    const manifest = JSON.parse(await readFile(path.join(runDir, 'manifest.json'), 'utf8')) as { plugins: unknown };
    expect(manifest.plugins).toEqual([{ file, sha256, name: 'every_other_js', kind: 'unstructured' }]);
    const masks = decodeSafetensors(new Uint8Array(await readFile(path.join(runDir, 'masks.safetensors')))).tensors;
    expect([...masks.get('fc3/bias')!.data]).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('runs with allowPlugins: true in the project config', async () => {
    await writeFile(path.join(cwd, '.prune-runrc.json'), JSON.stringify({ allowPlugins: true }));
    await writeModule(cwd, 'p.js', EVERY_OTHER_JS);
    await writeRecipe(cwd, 'recipe.yaml', pluginRecipe('p.js'));
    const result = await runCli(['--dry-run', 'recipe.yaml'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^loaded plugin .*p\.js \(sha256 [0-9a-f]{64}\)/m);
    expect(result.stdout).toContain('fc3/bias [10]: plugin "every_other_js"');
  });
});
