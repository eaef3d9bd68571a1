/**
 * Content hashes, the one way prune-run names bytes: a manifest pins the data and recipe a run
 * read, a cache key names what decided a task, and a file the plan names by hash (a mask, a plugin
 * module, a checkpoint) is read back only if it still has that hash.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/**
 * The sha256 of the parts, as lowercase hex; strings count as their UTF-8 bytes. Several parts
 * hash as their concatenation, so a caller hashing a list of files needs no hash object of its own.
 */
export function sha256Hex(...parts: readonly (Uint8Array | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/**
 * A file read back by the hash it was recorded with. Not a throw: each caller says in its own
 * words (and error type) which file it was and what to do about it.
 */
export type HashedFileRead =
  | { readonly ok: true; readonly bytes: Uint8Array }
  /** `reason`: the system's code (ENOENT, EACCES), or that the path is not a regular file. */
  | { readonly ok: false; readonly problem: 'unreadable'; readonly reason: string }
  | { readonly ok: false; readonly problem: 'changed'; readonly actual: string };

function checked(buffer: Buffer, sha256: string): HashedFileRead {
  // A plain view: a Buffer's subarray/slice semantics differ from Uint8Array's.
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const actual = sha256Hex(bytes);
  return actual === sha256 ? { ok: true, bytes } : { ok: false, problem: 'changed', actual };
}

const reasonOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);
/** Only a regular file is read: reading a FIFO waits for a writer forever, a device never ends. */
const NOT_REGULAR = 'not a regular file';

/** Reads `file` and checks it still has `sha256`, for the synchronous steps of a task. */
export function readHashedFileSync(file: string, sha256: string): HashedFileRead {
  let buffer: Buffer;
  try {
    if (!statSync(file).isFile()) return { ok: false, problem: 'unreadable', reason: NOT_REGULAR };
    buffer = readFileSync(file);
  } catch (error) {
    return { ok: false, problem: 'unreadable', reason: reasonOf(error) };
  }
  return checked(buffer, sha256);
}

/** Reads `file` and checks it still has `sha256`. */
export async function readHashedFile(file: string, sha256: string): Promise<HashedFileRead> {
  let buffer: Buffer;
  try {
    if (!(await stat(file)).isFile()) return { ok: false, problem: 'unreadable', reason: NOT_REGULAR };
    buffer = await readFile(file);
  } catch (error) {
    return { ok: false, problem: 'unreadable', reason: reasonOf(error) };
  }
  return checked(buffer, sha256);
}
