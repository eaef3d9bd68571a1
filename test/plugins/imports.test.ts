/**
 * A plugin imports only Node's built-in modules, enforced twice: its source is read with a real
 * parser before it runs (static imports, re-exports, import() — refused at the plugin's own line
 * and column; a TypeScript plugin's type-only imports are fine, they compile to nothing), and the
 * thread it runs in has a module loader hook that refuses what no reading of the source sees
 * (eval, new Function). A module outside the recipe's tree never runs either way.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareRun, type PreparedRun } from '../../src/runner/prepare.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';
import { recipeProblems } from '../helpers/problems.js';
import { pluginRecipe, writeModule } from './helpers.js';

let dir: string;
let outside: string;
let marker: string;

beforeEach(async () => {
  dir = await makeTempDir('prune-run-imports-');
  marker = path.join(dir, 'outside-ran');
  // Outside the recipe's folder (project/): leaves a mark if it ever runs.
  outside = await writeModule(dir, 'outside.mjs', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport const suffix = '';\n`);
});
afterEach(async () => {
  await removeDir(dir);
});

const BODY = `export default { name: 'p', kind: 'global', computeMask: (s, m) => m.slice() };\n`;

async function prepare(module: string, source: string): Promise<PreparedRun> {
  await writeModule(dir, `project/${module}`, source);
  await writeRecipe(dir, 'project/recipe.yaml', pluginRecipe(module));
  return prepareRun('project/recipe.yaml', { cwd: dir, allowPlugins: true });
}

async function refusal(module: string, source: string): Promise<string> {
  const problems = await recipeProblems(() => prepare(module, source));
  expect(problems).toHaveLength(1);
  await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
  return problems[0]!;
}

describe('what a plugin may import', () => {
  it('node: built-ins, bare built-in names, and (TypeScript) imports that are only types', async () => {
    const js = await prepare('fine.js', `import { createHash } from 'node:crypto';\nimport path from 'path';\nexport const digest = () => createHash('sha256') && path.sep;\n${BODY}`);
    expect(js.plugins.map((p) => p.name)).toEqual(['p']);
    const ts = await prepare(
      'fine.ts',
      `import type { PruningPlugin } from 'prune-run';\nimport { PluginTensor } from 'prune-run';\nimport { type JsonValue } from 'prune-run';\n` +
        `const seen: PluginTensor[] = []; const none: JsonValue = null;\n` +
        `const plugin: PruningPlugin = { name: 'typed', kind: 'global', computeMask: (_s, m) => m.slice() };\nexport default plugin;\nexport { seen, none };\n`,
    );
    expect(ts.plugins.map((p) => p.name)).toEqual(['typed']);
  });

  it('refuses each import of a file, a package or a computed specifier, at the plugin\'s line and column', async () => {
    const url = `file://${outside}`;
    const source =
      `import { suffix } from ${JSON.stringify(url)};\n` +
      `export * from './helper.js';\n` +
      `import 'lodash';\n` +
      `const later = () => import(${JSON.stringify(url)});\n` +
      `const anything = (name) => import(name);\n` +
      `export { later, anything };\n${BODY}`;
    const problem = await refusal('many.js', source);
    const file = path.join(dir, 'project', 'many.js');
    expect(problem).toMatch(/^7:17 plugin module "many\.js" imports what a plugin may not \(it can import only Node's built-in modules/);
    expect(problem).toContain(`${file}:1:24: "${url}" is not a Node built-in: a plugin is one file, run from the bytes that were hashed, so it can import only`);
    expect(problem).toContain(`${file}:2:15: "./helper.js" is not a Node built-in`);
    expect(problem).toContain(`${file}:3:8: "lodash" is not a Node built-in`);
    expect(problem).toContain(`${file}:4:28: "${url}" is not a Node built-in`);
    expect(problem).toContain(`${file}:5:35: import() with a computed specifier cannot be checked before it runs; name the module in a string, e.g. import('node:fs')`);
  });

  it('refuses the built-ins that load or start code from other files', async () => {
    for (const specifier of ['node:child_process', 'module', 'node:worker_threads']) {
      const problem = await refusal('loader.js', `import * as loader from '${specifier}';\nexport const l = loader;\n${BODY}`);
      expect(problem).toContain(`loader.js:1:25: "${specifier}" loads or starts code from other files, which would run outside the plugin's hash`);
    }
  });

  it('locates a TypeScript plugin\'s import in its TypeScript source', async () => {
    const problem = await refusal('rel.ts', `// a helper\n\nimport { suffix } from './helper.js';\nexport default { name: 'r' + suffix, kind: 'global', computeMask: (_s: Float32Array, m: Uint8Array) => m.slice() };\n`);
    expect(problem).toContain(`${path.join(dir, 'project', 'rel.ts')}:3:24: "./helper.js" is not a Node built-in`);
  });

  it('says where a JavaScript plugin does not parse', async () => {
    const problem = await refusal('broken.js', `export default {\n  name: 'x',,\n};\n`);
    expect(problem).toBe(`7:17 plugin module "broken.js" is not a valid ES module at ${path.join(dir, 'project', 'broken.js')}:2:13: Unexpected token`);
  });

  it('refuses at run time what the source does not show (eval, new Function): the module outside never runs', async () => {
    for (const how of [`eval("import('file://${outside}')")`, `new Function("return import('file://${outside}')")()`]) {
      const problem = await refusal('sly.js', `await ${how};\n${BODY}`);
      expect(problem).toBe(
        `7:17 plugin module "sly.js" was refused while loading: plugin code imports "file://${outside}" while running: "file://${outside}" is not a Node built-in: ` +
          "a plugin is one file, run from the bytes that were hashed, so it can import only Node's built-in modules (node:fs, node:path, node:crypto, …); put its helpers in the same file",
      );
    }
  });

  it('stops a module whose top-level code does not finish within the time limit', async () => {
    const before = process.env['PRUNE_RUN_PLUGIN_TIMEOUT'];
    process.env['PRUNE_RUN_PLUGIN_TIMEOUT'] = '0.5';
    try {
      const started = performance.now();
      const problem = await refusal('forever.js', `for (;;) {}\n${BODY}`);
      expect(problem).toBe('7:17 plugin module "forever.js" did not finish loading within 0.5 s (its top-level code runs when it is imported); it was stopped');
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      if (before === undefined) delete process.env['PRUNE_RUN_PLUGIN_TIMEOUT'];
      else process.env['PRUNE_RUN_PLUGIN_TIMEOUT'] = before;
    }
  });
});
