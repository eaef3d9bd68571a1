import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileWriteError } from '../../src/errors.js';
import { formatRunTime, RunDirectory } from '../../src/runs/runDirectory.js';

const HASH = 'ABCDEF0123456789'.repeat(4);
const NOW = new Date('2025-03-04T05:06:07.890Z');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'prune-run-runs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const isDir = async (path: string): Promise<boolean> => (await stat(path).catch(() => null))?.isDirectory() ?? false;

describe('RunDirectory.create', () => {
  it('names the run by UTC time and the first 8 hex digits of the recipe hash', async () => {
    expect(formatRunTime(NOW)).toBe('20250304-050607Z');
    const run = await RunDirectory.create(join(root, 'runs'), HASH, NOW);
    expect(run.id).toBe('20250304-050607Z-abcdef01');
    expect(run.dir).toBe(join(root, 'runs', '20250304-050607Z-abcdef01.partial'));
    expect(await isDir(run.dir)).toBe(true);
  });

  it('ids sort by time', async () => {
    const earlier = formatRunTime(new Date('2025-12-31T23:59:59Z'));
    const later = formatRunTime(new Date('2026-01-01T00:00:00Z'));
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });

  it('gives two runs in the same second different folders', async () => {
    const a = await RunDirectory.create(root, HASH, NOW);
    const b = await RunDirectory.create(root, HASH, NOW);
    expect(a.id).toBe('20250304-050607Z-abcdef01');
    expect(b.id).toBe('20250304-050607Z-abcdef01-2');
    expect(a.dir).not.toBe(b.dir);
  });

  it('skips a name whose finished folder exists', async () => {
    await mkdir(join(root, '20250304-050607Z-abcdef01'));
    const run = await RunDirectory.create(root, HASH, NOW);
    expect(run.id).toBe('20250304-050607Z-abcdef01-2');
  });

  it('gives concurrent creates distinct folders', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, () => RunDirectory.create(root, HASH, NOW)));
    expect(new Set(runs.map((r) => r.id)).size).toBe(8);
    expect((await readdir(root)).length).toBe(8);
  });

  it('never reuses the name of a finished run', async () => {
    const first = await RunDirectory.create(root, HASH, NOW);
    await first.finish('succeeded');
    const second = await RunDirectory.create(root, HASH, NOW);
    expect(second.id).toBe(`${first.id}-2`);
  });

  it('rejects a hash that is not hex', async () => {
    await expect(RunDirectory.create(root, 'not-a-hash', NOW)).rejects.toThrow(/8 hex digits/);
  });
});

describe('RunDirectory.finish', () => {
  it('renames .partial to the final name on success', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    await run.writeText('report.md', '# done\n');
    const final = await run.finish('succeeded');
    expect(final).toBe(join(root, run.id));
    expect(run.dir).toBe(final);
    expect(await isDir(`${final}.partial`)).toBe(false);
    expect(await readFile(join(final, 'report.md'), 'utf8')).toBe('# done\n');
  });

  it.each(['failed', 'interrupted'] as const)('keeps .partial when the run %s', async (status) => {
    const run = await RunDirectory.create(root, HASH, NOW);
    const partial = run.dir;
    expect(await run.finish(status)).toBe(partial);
    expect(await isDir(partial)).toBe(true);
    expect(await isDir(join(root, run.id))).toBe(false);
  });

  it('waits for writes started before it, and refuses writes after it', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    const write = run.writeJson('late.json', { a: 1 });
    const finished = run.finish('succeeded');
    const tooLate = run.writeText('after.txt', 'x');
    await write;
    const final = await finished;
    await expect(tooLate).rejects.toThrow(/already finished/);
    await expect(run.finish('succeeded')).rejects.toThrow(/already finished/);
    expect(await readdir(final)).toEqual(['late.json']);
  });
});

describe('RunDirectory writes', () => {
  it('writes pretty JSON with a trailing newline, in subfolders', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    await run.writeJson('model/info.json', { layers: ['conv1'], n: 2 });
    expect(await readFile(run.path('model/info.json'), 'utf8')).toBe('{\n  "layers": [\n    "conv1"\n  ],\n  "n": 2\n}\n');
  });

  it('writes bytes as given, copied at the call', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    const bytes = new Uint8Array([0, 1, 255]);
    const done = run.writeBytes('masks.safetensors', bytes);
    bytes.fill(7);
    await done;
    expect(new Uint8Array(await readFile(run.path('masks.safetensors')))).toEqual(new Uint8Array([0, 1, 255]));
  });

  it('replaces a file whole and leaves no temporary files', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    const writes = [run.writeText('a.txt', 'first, longer text'), run.writeText('a.txt', 'second')];
    await Promise.all(writes);
    expect(await readFile(run.path('a.txt'), 'utf8')).toBe('second');
    // The writer's lock is the only other file while the run goes (runLock.ts).
    expect((await readdir(run.dir)).sort()).toEqual(['.lock', 'a.txt']);
  });

  it('a failed write keeps the old file and leaves no temporary file', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    await run.writeText('x/keep.txt', 'old');
    await mkdir(run.path('x/dir'));
    await expect(run.writeText('x/dir', 'cannot replace a folder')).rejects.toThrow();
    expect((await readdir(run.path('x'))).sort()).toEqual(['dir', 'keep.txt']);
    expect(await readFile(run.path('x/keep.txt'), 'utf8')).toBe('old');
  });

  it.skipIf(!existsSync('/dev/full'))('a write the disk refuses names the file and the reason (a real ENOSPC: /dev/full refuses every write)', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    await symlink('/dev/full', run.path('metrics.jsonl'));
    const refused = await run.appendJsonLine('metrics.jsonl', { i: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FileWriteError);
    expect((refused as Error).message).toBe(`cannot write ${run.path('metrics.jsonl')}: no space left on the device (ENOSPC)`);
  });

  it('appends JSON lines in call order', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    await Promise.all(Array.from({ length: 20 }, (_, i) => run.appendJsonLine('metrics.jsonl', { i })));
    const lines = (await readFile(run.path('metrics.jsonl'), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('refuses paths outside the run folder and values JSON cannot hold', async () => {
    const run = await RunDirectory.create(root, HASH, NOW);
    for (const bad of ['../escape.txt', 'a/../../b', '/etc/passwd', '', '.']) expect(() => run.path(bad)).toThrow(/inside the run folder/);
    await expect(run.writeText('../x', 'y')).rejects.toThrow(/inside the run folder/);
    await expect(run.writeJson('u.json', undefined)).rejects.toThrow(/cannot write undefined as JSON/);
    expect(run.path('a/./b.txt')).toBe(join(run.dir, 'a', 'b.txt'));
  });
});
