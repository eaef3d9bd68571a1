/**
 * A recipe is UTF-8, and the run keeps it byte for byte: bytes that are not UTF-8 are refused at
 * their line and column (they used to become U+FFFD silently, changing the recipe, its hash and
 * the run's recipe.yaml), and a valid recipe — a byte-order mark, CRLF line ends, non-ASCII
 * text — comes out of the run as the same bytes with the file's own sha256.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliChild } from '../helpers/child.js';
import { listTree, makeTempDir, removeDir } from '../helpers/cli.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
});
afterEach(async () => {
  await removeDir(cwd);
});

const GOOD = 'model: {builtin: lenet}\nstages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}\n';

async function expectRefusedBytes(bytes: Buffer, expected: RegExp): Promise<void> {
  await writeFile(path.join(cwd, 'recipe.yaml'), bytes);
  const before = await listTree(cwd);
  const result = await runCliChild(cwd, ['recipe.yaml']);
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr).toMatch(expected);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(await listTree(cwd)).toEqual(before);
}

describe('a recipe that is not UTF-8', () => {
  it('is refused at the Latin-1 byte, by line and column', async () => {
    // "café" saved as Latin-1: é is the single byte 0xE9.
    const bytes = Buffer.concat([Buffer.from(`${GOOD}# caf`), Buffer.from([0xe9]), Buffer.from(' au lait\n')]);
    await expectRefusedBytes(bytes, /^recipe\.yaml:5:6: the recipe is not valid UTF-8: byte 0xE9 here does not begin a UTF-8 character .*save the file as UTF-8$/m);
  });

  it('counts the columns of valid characters before the bad byte as characters', async () => {
    // "日本" (3 bytes each) then an overlong encoding of "/" (0xC0 0xAF), in a stage name.
    const bytes = Buffer.concat([Buffer.from('model: {builtin: lenet}\nstages:\n  - name: 日本'), Buffer.from([0xc0, 0xaf]), Buffer.from('\n    global: {method: l1_unstructured, amount: 0.2, select: [{param: kernel}]}\n')]);
    await expectRefusedBytes(bytes, /^recipe\.yaml:3:13: the recipe is not valid UTF-8: byte 0xC0 /m);
  });
});

describe('a valid recipe', () => {
  it("is the run's recipe.yaml byte for byte (BOM, CRLF, non-ASCII kept), hashed as the file", async () => {
    const text = `\uFEFF# Ünïcödé — 日本語 ✓\r\n${GOOD.replace(/\n/g, '\r\n')}`;
    const bytes = Buffer.from(text, 'utf8');
    await writeFile(path.join(cwd, 'recipe.yaml'), bytes);
    const result = await runCliChild(cwd, ['--progress', 'plain', 'recipe.yaml'], { timeoutMs: 90_000 });
    expect(result.status, result.stderr).toBe(0);
    const runDir = path.resolve(cwd, result.stdout.trim());
    expect(Buffer.compare(await readFile(path.join(runDir, 'recipe.yaml')), bytes)).toBe(0);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const manifest = JSON.parse(await readFile(path.join(runDir, 'manifest.json'), 'utf8')) as { recipe: { sha256: string; textSha256: string } };
    expect(manifest.recipe.textSha256).toBe(sha256);
    expect(manifest.recipe.sha256).toBe(sha256);
    expect(path.basename(runDir)).toMatch(new RegExp(`-${sha256.slice(0, 8)}$`));
  });
});
