/**
 * Reading a text file a user named (a recipe, a sweep) no further than a limit, whatever it is:
 * a regular file, a device that never ends (/dev/zero), or a pipe (`<(generate-recipe)`). It is
 * opened non-blocking, because opening a FIFO that nothing writes to would otherwise wait forever
 * (and hold one of libuv's few threads meanwhile); a pipe whose writer has not written yet is
 * waited for, a pipe nobody writes to reads as empty, and the caller, told it was a FIFO, can say so.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BoundedText {
  /** At most `limit` + 1 bytes: one more than the limit says there is more. */
  readonly bytes: Uint8Array;
  /** Whether the file holds more than `limit` bytes (bytes then stops one past it). */
  readonly over: boolean;
  /** Its size when it is a regular file (what the error says when it is over), else null. */
  readonly size: number | null;
  /** Whether it is a FIFO or a pipe (empty bytes then means nothing wrote to it). */
  readonly pipe: boolean;
}

/** How long to wait between reads of a pipe whose writer has not written yet. */
const PIPE_POLL_MS = 10;

/**
 * Reads `file` up to `limit` + 1 bytes. Throws what open and read throw (ENOENT, EACCES, …), and
 * EISDIR for a folder, with the system's `code`.
 */
export async function readBounded(file: string, limit: number): Promise<BoundedText> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error(`EISDIR: ${file} is a folder`), { code: 'EISDIR', path: file });
    const buffer = new Uint8Array(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, length, buffer.length - length, null));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await sleep(PIPE_POLL_MS);
        continue;
      }
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { bytes: buffer.subarray(0, length), over: length > limit, size: stats.isFile() ? stats.size : null, pipe: stats.isFIFO() };
  } finally {
    await handle.close();
  }
}
