/**
 * The checkpoint store's size limit: trim() removes the least recently used entries (a read
 * counts as a use) until the rest fit, and files writers left behind once they are old, never a
 * file a live writer may still be renaming.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskCheckpoint } from '../../src/cache/state.js';
import { CheckpointStore } from '../../src/cache/store.js';

const keyOf = (name: string) => createHash('sha256').update(name).digest('hex');

function checkpoint(name: string, floats: number): TaskCheckpoint {
  return {
    taskId: name,
    key: keyOf(name),
    state: { weights: new Map([['w', { shape: [floats], values: new Float32Array(floats).fill(1) }]]), pruning: [], snapshots: new Map() },
    record: { training: [], pruning: [], evaluations: [] },
    metrics: [],
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prune-run-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Sets the last use of an entry (its sidecar's mtime) to `secondsAgo`. */
async function usedAgo(name: string, secondsAgo: number): Promise<void> {
  const when = new Date(Date.now() - secondsAgo * 1000);
  await utimes(path.join(dir, `${keyOf(name)}.json`), when, when);
}

async function entrySize(name: string): Promise<number> {
  const files = (await readdir(dir)).filter((f) => f.startsWith(keyOf(name)));
  const sizes = await Promise.all(files.map(async (f) => (await stat(path.join(dir, f))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

describe('CheckpointStore.trim', () => {
  it('removes the least recently used entries until the rest fit, counting a read as a use', async () => {
    const store = new CheckpointStore(dir);
    for (const name of ['a', 'b', 'c']) await store.write(checkpoint(name, 4096)); // ~16 KB each
    await usedAgo('a', 300);
    await usedAgo('b', 200);
    await usedAgo('c', 100);
    expect((await store.read(keyOf('a'))).found).toBe(true); // a is now the most recent
    const each = await entrySize('a');

    const outcome = await store.trim(2 * each + 10);
    expect(outcome.problems).toEqual([]);
    expect(outcome.removedEntries).toBe(1);
    expect(outcome.keptBytes).toBeLessThanOrEqual(2 * each + 10);
    expect((await store.read(keyOf('b'))).found).toBe(false); // the least recently used went
    expect((await store.read(keyOf('a'))).found).toBe(true);
    expect((await store.read(keyOf('c'))).found).toBe(true);
    expect((await readdir(dir)).filter((f) => f.startsWith(keyOf('b')))).toEqual([]); // sidecar and data

    const again = await store.trim(1e9);
    expect([again.removedEntries, again.freedBytes]).toEqual([0, 0]);
  });

  it('removes old leftovers (unnamed data, temporary files of dead writers) but not fresh or live ones', async () => {
    const store = new CheckpointStore(dir);
    await store.write(checkpoint('kept', 16));
    const hourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const files = {
      orphan: `${keyOf('gone')}.0123456789abcdef.safetensors`,
      freshOrphan: `${keyOf('being-written')}.0123456789abcdef.safetensors`,
      deadTemp: '.999999999.1.tmp',
      liveTemp: `.${String(process.ppid)}.1.tmp`,
      other: 'README.txt',
    };
    for (const f of Object.values(files)) await writeFile(path.join(dir, f), 'x'.repeat(100));
    for (const f of [files.orphan, files.deadTemp, files.liveTemp, files.other]) await utimes(path.join(dir, f), hourAgo, hourAgo);

    const outcome = await store.trim(1e9);
    expect(outcome.removedEntries).toBe(0);
    expect(outcome.freedBytes).toBe(200);
    const left = await readdir(dir);
    expect(left).not.toContain(files.orphan);
    expect(left).not.toContain(files.deadTemp);
    expect(left).toEqual(expect.arrayContaining([files.freshOrphan, files.liveTemp, files.other]));
    expect((await store.read(keyOf('kept'))).found).toBe(true);
  });

  it('has nothing to do for a cache that does not exist yet', async () => {
    const outcome = await new CheckpointStore(path.join(dir, 'none')).trim(0);
    expect(outcome).toEqual({ removedEntries: 0, freedBytes: 0, keptBytes: 0, problems: [] });
  });
});

describe('an entry replaced every epoch', () => {
  it('keeps one data file for its key, and none once dropped', async () => {
    const store = new CheckpointStore(dir);
    const other = checkpoint('other', 4);
    await store.write(other);
    for (const floats of [8, 16, 32]) await store.replace(checkpoint('train', floats));
    const key = keyOf('train');
    const files = (await readdir(dir)).filter((f) => f.startsWith(key));
    expect(files.filter((f) => f.endsWith('.safetensors'))).toHaveLength(1);
    const found = await store.read(key);
    expect(found.found && found.checkpoint.state.weights.get('w')?.values.length).toBe(32);
    await store.drop(key);
    expect((await readdir(dir)).filter((f) => f.startsWith(key))).toEqual([]);
    expect((await store.read(keyOf('other'))).found).toBe(true);
  });
});
