/**
 * Opening files a user named: only regular files, refused with what they are instead (never opened
 * for a read that blocks or never ends), within a size limit, and read no further than their size.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileRefusalMessage, FileRefusedError, formatBytes, openRegularFile, readRegularFile } from '../../src/util/regularFile.js';
import { mkfifo, sparseFile } from '../helpers/badFiles.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prune-run-regular-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(file: string, limit?: number): Promise<FileRefusedError> {
  try {
    await readRegularFile(file, limit);
  } catch (error) {
    if (error instanceof FileRefusedError) return error;
    throw error;
  }
  throw new Error(`${file} was read`);
}

describe('openRegularFile and readRegularFile', () => {
  it('read a regular file whole', async () => {
    await writeFile(path.join(dir, 'a'), 'hello');
    expect(Buffer.from(await readRegularFile(path.join(dir, 'a'))).toString()).toBe('hello');
  });

  it('refuse a FIFO, a character device, a folder and a missing file, saying which', async () => {
    mkfifo(path.join(dir, 'pipe'));
    await mkdir(path.join(dir, 'folder'));
    expect((await refusal(path.join(dir, 'pipe'))).refusal).toEqual({ kind: 'special', what: 'a FIFO (named pipe)' });
    expect((await refusal('/dev/zero')).refusal).toEqual({ kind: 'special', what: 'a character device' });
    expect((await refusal(path.join(dir, 'folder'))).refusal).toEqual({ kind: 'folder' });
    expect((await refusal(path.join(dir, 'none'))).refusal).toEqual({ kind: 'missing' });
    expect(fileRefusalMessage('weight file', 'w.bin', { kind: 'special', what: 'a character device' })).toBe('weight file "w.bin" is a character device, not a regular file');
  });

  it('refuse a file over the limit by its size, before reading it', async () => {
    await sparseFile(path.join(dir, 'big'), 3 * 1024 ** 3);
    expect((await refusal(path.join(dir, 'big'), 1024)).refusal).toEqual({ kind: 'too-large', bytes: 3 * 1024 ** 3, limit: 1024 });
    const { handle, size } = await openRegularFile(path.join(dir, 'big'));
    await handle.close();
    expect(size).toBe(3 * 1024 ** 3);
  });

  it('format sizes with the unit people read', () => {
    expect(formatBytes(40)).toBe('40 bytes');
    expect(formatBytes(1536)).toBe('1,536 bytes (1.5 KiB)');
    expect(formatBytes(256 * 1024 ** 2)).toBe('268,435,456 bytes (256 MiB)');
  });
});
