/**
 * Opening a file a user named without trusting what it is. `readFile` on a FIFO waits for a writer
 * forever, and on a device (/dev/zero, /dev/urandom) it reads until memory runs out; a folder or a
 * socket fails with a code a user cannot act on. So a file is stat'ed first, then opened
 * non-blocking (opening a FIFO for reading would otherwise block) and stat'ed again through its
 * descriptor, and only a regular file is read, and then no further than its size, or a size the
 * caller knows it must have. Messages are left to callers (fileRefusalMessage is a default),
 * which know what the file was for and where it was named.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/** Why a file cannot be read as a regular file. */
export type FileRefusal =
  | { readonly kind: 'missing' }
  | { readonly kind: 'folder' }
  /** A FIFO, a device or a socket: `what` names it ("a FIFO (named pipe)", "a character device"). */
  | { readonly kind: 'special'; readonly what: string }
  /** Larger than the limit the caller set (bytes are the file's size). */
  | { readonly kind: 'too-large'; readonly bytes: number; readonly limit: number }
  /** Any other failure (permissions, I/O): the system's code. */
  | { readonly kind: 'unreadable'; readonly code: string };

/** A failed open or read of a file that must be regular: the refusal says why. */
export class FileRefusedError extends Error {
  constructor(
    readonly file: string,
    readonly refusal: FileRefusal,
  ) {
    super(`${file}: ${refusalText(refusal)}`);
    this.name = 'FileRefusedError';
  }
}

function specialKind(stats: Stats): string | null {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return null;
}

function refusalOf(stats: Stats, limit: number | undefined): FileRefusal | null {
  if (stats.isDirectory()) return { kind: 'folder' };
  if (!stats.isFile()) return { kind: 'special', what: specialKind(stats) ?? 'not a regular file' };
  if (limit !== undefined && stats.size > limit) return { kind: 'too-large', bytes: stats.size, limit };
  return null;
}

function refusalOfError(error: unknown): FileRefusal {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
  if (code === 'EISDIR') return { kind: 'folder' };
  return { kind: 'unreadable', code: code ?? String(error) };
}

/** A byte count as people read it: 1,048,576 bytes (1 MiB). */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = '';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const plain = `${bytes.toLocaleString('en-US')} bytes`;
  return unit === '' ? plain : `${plain} (${Number.isInteger(value) ? String(value) : value.toFixed(1)} ${unit})`;
}

/** The refusal in words, after the file's name: "is a FIFO (named pipe), not a regular file". */
export function refusalText(refusal: FileRefusal): string {
  switch (refusal.kind) {
    case 'missing':
      return 'does not exist';
    case 'folder':
      return 'is a folder, not a file';
    case 'special':
      return `is ${refusal.what}, not a regular file`;
    case 'too-large':
      return `is ${formatBytes(refusal.bytes)}, more than the limit of ${formatBytes(refusal.limit)}`;
    case 'unreadable':
      return `cannot be read (${refusal.code})`;
  }
}

/** `what "given" <refusal>`, the usual shape of these messages ("model file "m.json" is a folder, …"). */
export function fileRefusalMessage(what: string, given: string, refusal: FileRefusal): string {
  return refusal.kind === 'unreadable' ? `cannot read ${what} "${given}": ${refusal.code}` : `${what} "${given}" ${refusalText(refusal)}`;
}

export interface OpenedFile {
  readonly handle: FileHandle;
  /** The size fstat gave once opened: what the file holds now. */
  readonly size: number;
}

/**
 * Opens `file` for reading if it is a regular file no larger than `limit` bytes (when given);
 * throws FileRefusedError otherwise. The caller closes the handle.
 */
export async function openRegularFile(file: string, limit?: number): Promise<OpenedFile> {
  let before: Stats;
  try {
    before = await stat(file);
  } catch (error) {
    throw new FileRefusedError(file, refusalOfError(error));
  }
  // Checked before opening too: opening some devices has effects of its own (a tape rewinds).
  const early = refusalOf(before, limit);
  if (early !== null) throw new FileRefusedError(file, early);
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new FileRefusedError(file, refusalOfError(error));
  }
  try {
    // What was opened may not be what was stat'ed (the path was swapped in between).
    const opened = await handle.stat();
    const late = refusalOf(opened, limit);
    if (late !== null) throw new FileRefusedError(file, late);
    return { handle, size: opened.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Fills `into` from the handle's position `from`; returns how many bytes it got (fewer at the end of the file). */
export async function readInto(handle: FileHandle, into: Uint8Array, from = 0): Promise<number> {
  let got = 0;
  while (got < into.length) {
    const { bytesRead } = await handle.read(into, got, into.length - got, from + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/**
 * The whole content of a regular file of at most `limit` bytes, read no further than the size it
 * had when opened (a file that grows meanwhile is not followed). Throws FileRefusedError.
 */
export async function readRegularFile(file: string, limit?: number): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(file, limit);
  try {
    const bytes = new Uint8Array(size);
    const got = await readInto(handle, bytes);
    return got === size ? bytes : bytes.subarray(0, got);
  } catch (error) {
    throw error instanceof FileRefusedError ? error : new FileRefusedError(file, refusalOfError(error));
  } finally {
    await handle.close();
  }
}

/** readRegularFile's bytes as UTF-8 text (a file a program wrote: JSON of a run folder, a lock). */
export async function readRegularText(file: string, limit: number): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(file, limit));
}
