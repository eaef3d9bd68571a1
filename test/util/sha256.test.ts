import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHashedFile, readHashedFileSync, sha256Hex, type HashedFileRead } from '../../src/util/sha256.js';
import { mkfifo } from '../helpers/badFiles.js';

// FIPS 180-2's test vector for "abc".
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('sha256Hex', () => {
  it('hashes a string as its UTF-8 bytes', () => {
    expect(sha256Hex('abc')).toBe(ABC);
    expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(ABC);
    expect(sha256Hex('é')).toBe(sha256Hex(new Uint8Array([0xc3, 0xa9])));
  });

  it('hashes several parts as their concatenation', () => {
    expect(sha256Hex('a', new Uint8Array([0x62]), 'c')).toBe(ABC);
    expect(sha256Hex('ab', '\0', 'c')).not.toBe(ABC);
  });
});

describe('readHashedFile', () => {
  let dir: string;
  let file: string;
  const content = new Uint8Array([1, 2, 3, 4, 5]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prune-run-sha256-'));
    file = join(dir, 'data.bin');
    await writeFile(file, content);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const readers: [string, (file: string, sha256: string) => Promise<HashedFileRead>][] = [
    ['async', readHashedFile],
    ['sync', async (f, sha256) => readHashedFileSync(f, sha256)],
  ];

  for (const [kind, read] of readers) {
    it(`${kind}: gives the bytes, as a plain Uint8Array, when the hash matches`, async () => {
      const result = await read(file, sha256Hex(content));
      if (!result.ok) throw new Error(`expected the file, got ${result.problem}`);
      expect(Object.getPrototypeOf(result.bytes)).toBe(Uint8Array.prototype);
      expect([...result.bytes]).toEqual([...content]);
    });

    it(`${kind}: says the file changed, with the hash it has now`, async () => {
      const result = await read(file, sha256Hex('something else'));
      expect(result).toEqual({ ok: false, problem: 'changed', actual: sha256Hex(content) });
    });

    it(`${kind}: says a missing file is unreadable, with the system's error`, async () => {
      const result = await read(join(dir, 'missing.bin'), sha256Hex(content));
      if (result.ok || result.problem !== 'unreadable') throw new Error('expected an unreadable file');
      expect(result.reason).toBe('ENOENT');
    });

    it(`${kind}: does not read a FIFO or a device (it would wait forever, or never end)`, async () => {
      mkfifo(join(dir, `pipe-${kind}`));
      expect(await read(join(dir, `pipe-${kind}`), sha256Hex(content))).toEqual({ ok: false, problem: 'unreadable', reason: 'not a regular file' });
      expect(await read('/dev/zero', sha256Hex(content))).toEqual({ ok: false, problem: 'unreadable', reason: 'not a regular file' });
    });
  }
});
