/**
 * Loading plugin modules (method: custom) before planning: permission, the recipe's directory
 * tree (by real paths), .js/.mjs/.ts, a valid default export, each refusal located at `module`;
 * and the engine's lookup, which refuses a module changed since it was loaded.
 */
import { createHash } from 'node:crypto';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError, RecipeError } from '../../src/errors.js';
import type { PruneTask } from '../../src/plan/types.js';
import { loadedPlugin } from '../../src/plugins/index.js';
import { prepareRun, type PreparedRun } from '../../src/runner/prepare.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';
import { EVERY_OTHER_JS, pluginRecipe, writeModule } from './helpers.js';
import { recipeProblems } from '../helpers/problems.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('prune-run-plugins-');
});
afterEach(async () => {
  await removeDir(dir);
});

async function prepare(recipe: string, allowPlugins = true): Promise<PreparedRun> {
  await writeRecipe(dir, 'recipe.yaml', recipe);
  return prepareRun('recipe.yaml', { cwd: dir, allowPlugins });
}

async function problems(recipe: string, allowPlugins = true): Promise<string[]> {
  return recipeProblems(() => prepare(recipe, allowPlugins), { withFile: true });
}

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('loading a plugin', () => {
  it('loads a .js module from inside the tree and binds its name, kind, real path and sha256 into the plan', async () => {
    const file = await writeModule(dir, 'plugins/every-other.js', EVERY_OTHER_JS);
    const prepared = await prepare(pluginRecipe('plugins/every-other.js'));
    const reference = { file, sha256: await sha256(file), name: 'every_other_js', kind: 'unstructured' };
    expect(prepared.plugins).toEqual([reference]);
    const group = prepared.plan.tasks.find((t): t is PruneTask => t.kind === 'prune')!.groups[0]!;
    expect(group.method).toEqual({ method: 'custom', module: 'plugins/every-other.js', plugin: reference, options: {} });
    // The plan stays plain data.
    expect(JSON.parse(JSON.stringify(prepared.plan))).toEqual(prepared.plan);
    expect(loadedPlugin(prepared.plugins[0]!).name).toBe('every_other_js');
  });

  it('compiles the repository\'s TypeScript plugin in memory (import type is erased)', async () => {
    const prepared = await prepareRun('recipes/custom-every-other.yaml', { allowPlugins: true });
    const file = path.resolve('recipes/plugins/every-other.ts');
    expect(prepared.plugins).toEqual([{ file, sha256: await sha256(file), name: 'every_other', kind: 'unstructured' }]);
  });

  it('loads a module once however many targets use it, and .mjs too', async () => {
    await writeModule(dir, 'm.mjs', EVERY_OTHER_JS.replace('every_other_js', 'twice'));
    const recipe = `${pluginRecipe('m.mjs')}      - {select: {layer: fc2, param: bias}, method: custom, module: m.mjs}\n`;
    const prepared = await prepare(recipe);
    expect(prepared.plugins.map((p) => p.name)).toEqual(['twice']);
  });

  it('refuses without permission, at every module value, saying how to allow it', async () => {
    await writeModule(dir, 'plugins/every-other.js', EVERY_OTHER_JS);
    expect(await problems(pluginRecipe('plugins/every-other.js'), false)).toEqual([
      'recipe.yaml:7:17 plugin module "plugins/every-other.js" is code, and a recipe is data: prune-run loads a plugin module only ' +
        'when you allow it. Run with --allow-plugins, or set allowPlugins: true in the project config (library: prepareRun(file, { allowPlugins: true }))',
    ]);
  });

  it('refuses a module outside the recipe\'s tree, by ../ or through a symlink, without importing it', async () => {
    const recipeDir = path.join(dir, 'project');
    const marker = path.join(dir, 'ran');
    const outside = await writeModule(dir, 'outside.js', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\n${EVERY_OTHER_JS}`);
    await writeModule(recipeDir, 'recipe.yaml', pluginRecipe('../outside.js'));
    const at = (e: unknown) => (e as RecipeError).problems.map((p) => `${p.at.line}:${p.at.col} ${p.message}`);
    const byDots = await prepareRun('project/recipe.yaml', { cwd: dir, allowPlugins: true }).catch((e: unknown) => e);
    expect(byDots).toBeInstanceOf(RecipeError);
    expect(at(byDots)).toEqual([
      `7:17 plugin module "../outside.js" is ${outside}, outside the recipe's folder ${recipeDir}; prune-run loads plugins only from inside the recipe's own directory tree: copy the module there`,
    ]);
    await symlink(outside, path.join(recipeDir, 'link.js'));
    await writeModule(recipeDir, 'recipe.yaml', pluginRecipe('link.js'));
    const byLink = await prepareRun('project/recipe.yaml', { cwd: dir, allowPlugins: true }).catch((e: unknown) => e);
    expect(at(byLink)[0]).toContain(`(through a symlink: ${path.join(recipeDir, 'link.js')})`);
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
  });

  it('says what is wrong with a module that is missing, of another type, fails to import or exports no method', async () => {
    await writeModule(dir, 'm.cjs', 'module.exports = {};\n');
    await writeModule(dir, 'none.js', 'export const plugin = {};\n');
    await writeModule(dir, 'kindless.js', "export default { name: 'x', kind: 'sideways', computeMask() {} };\n");
    await writeModule(dir, 'broken.js', 'export default {\n');
    await writeModule(dir, 'broken.ts', 'const x: number = ;\nexport default x;\n');
    const one = async (module: string) => (await problems(pluginRecipe(module)))[0]!;
    expect(await one('missing.js')).toMatch(/^recipe\.yaml:7:17 plugin module not found: "missing\.js" \(looked for .*missing\.js; relative paths start at the recipe's folder\)$/);
    expect(await one('m.cjs')).toMatch(/must be JavaScript \(\.js, \.mjs, an ES module\) or TypeScript \(\.ts\)$/);
    expect(await one('none.js')).toMatch(/plugin module "none\.js" has no default export; export default \{ name, kind, computeMask \}/);
    expect(await one('kindless.js')).toMatch(
      /plugin module "kindless\.js": its default export lacks a valid kind \(one of unstructured, structured, global; got "sideways"\)/,
    );
    expect(await one('broken.js')).toMatch(/^recipe\.yaml:7:17 plugin module "broken\.js" is not a valid ES module at .*broken\.js:2:1: Unexpected token$/);
    expect(await one('broken.ts')).toMatch(/^recipe\.yaml:7:17 plugin module "broken\.ts" does not compile at 1:19: Expression expected\.$/);
  });
});

describe('the engine\'s lookup of a loaded plugin', () => {
  it('refuses a module changed since it was loaded', async () => {
    const file = await writeModule(dir, 'p.js', EVERY_OTHER_JS);
    const prepared = await prepare(pluginRecipe('p.js'));
    expect(() => loadedPlugin(prepared.plugins[0]!)).not.toThrow();
    await writeFile(file, `${EVERY_OTHER_JS}// edited\n`);
    const error = (() => {
      try {
        loadedPlugin(prepared.plugins[0]!);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).message).toMatch(/^plugin module .*p\.js changed since it was loaded \(sha256 [0-9a-f]{12}…\); run the recipe again$/);
  });

  it('refuses a reference no loader loaded', async () => {
    const file = await writeModule(dir, 'never.js', EVERY_OTHER_JS.replace('every_other_js', 'never'));
    const reference = { file, sha256: await sha256(file), name: 'never', kind: 'unstructured' } as const;
    expect(() => loadedPlugin(reference)).toThrow(/^plugin module .*never\.js was not loaded in this process/);
  });
});

describe('a plugin is one file', () => {
  it('cannot import a relative file, .ts or .js (what runs is what was hashed), and is told what to do', async () => {
    await writeModule(dir, 'helper.js', 'export const suffix = "_x";\n');
    await writeModule(dir, 'rel.ts', "import { suffix } from './helper.js';\nexport default { name: 'r' + suffix, kind: 'global', computeMask: (_s: Float32Array, m: Uint8Array) => m.slice() };\n");
    await writeModule(dir, 'rel.js', "import { suffix } from './helper.js';\nexport default { name: 'r' + suffix, kind: 'global', computeMask: (_s, m) => m.slice() };\n");
    for (const name of ['rel.ts', 'rel.js']) {
      const [problem] = await problems(pluginRecipe(name));
      expect(problem).toMatch(
        new RegExp(`^recipe\\.yaml:7:17 plugin module "${name.replace('.', '\\.')}" imports what a plugin may not .*${name.replace('.', '\\.')}:1:24: "\\./helper\\.js" is not a Node built-in: .*; put its helpers in the same file$`),
      );
    }
  });
});
