/**
 * The project config when it is not a mapping of settings: located like its other mistakes, at
 * the value's file:line:col (package.json's "prune-run" value, not the top of package.json), and
 * with the file alone only for a JavaScript config, which has no lines to point at.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../src/cli/config.js';
import { UsageError } from '../../src/errors.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prune-run-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The one-line message loadProjectConfig refuses `dir`'s config with. */
async function refusal(): Promise<string> {
  const error: unknown = await loadProjectConfig(dir).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

describe('a project config that is not a mapping', () => {
  it("is located at package.json's prune-run value when that is a string", async () => {
    await writeFile(path.join(dir, 'package.json'), '{\n  "name": "p",\n  "prune-run": "fast please"\n}\n');
    expect(await refusal()).toBe(`${path.join(dir, 'package.json')}:3:16: the prune-run config must be a mapping of settings (runsDir, seed, …), got "fast please"`);
  });

  it("is located at package.json's prune-run value when that is a list or a number", async () => {
    await writeFile(path.join(dir, 'package.json'), '{"prune-run": [1, 2]}');
    expect(await refusal()).toMatch(/package\.json:1:15: the prune-run config must be a mapping .*, got a list$/);
    await writeFile(path.join(dir, 'package.json'), '{"name": "p",\n"prune-run": 7}');
    expect(await refusal()).toMatch(/package\.json:2:14: the prune-run config must be a mapping .*, got 7$/);
  });

  it('is located in a YAML config at its value', async () => {
    await writeFile(path.join(dir, 'package.json'), '{}');
    await writeFile(path.join(dir, '.prune-runrc.yaml'), '# settings\n- seed: 3\n');
    expect(await refusal()).toMatch(/\.prune-runrc\.yaml:2:1: the prune-run config must be a mapping .*, got a list$/);
  });

  it('names the file alone for a JavaScript config, which has no lines', async () => {
    await writeFile(path.join(dir, 'package.json'), '{}');
    await writeFile(path.join(dir, 'prune-run.config.mjs'), 'export default 5;\n');
    expect(await refusal()).toBe(`${path.join(dir, 'prune-run.config.mjs')}: the prune-run config must be a mapping of settings (runsDir, seed, …), got 5`);
  });

  it('still loads a mapping from package.json', async () => {
    await writeFile(path.join(dir, 'package.json'), '{"prune-run": {"seed": 4}}');
    const config = await loadProjectConfig(dir);
    expect(config.seed).toBe(4);
    expect(config.file).toBe(path.join(dir, 'package.json'));
  });
});
