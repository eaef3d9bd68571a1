/**
 * A recipe file → its text. No more than RECIPE_LIMITS.bytes (plus one, to see that there is
 * more) is ever read, so a huge file or an endless one (a device, a pipe that never closes its
 * writer) cannot fill the memory.
 */
import { open } from 'node:fs/promises';
import { RecipeError, UsageError, type SourceLocation } from '../errors.js';
import { formatCount, RECIPE_LIMITS } from './limits.js';

/** Reads and decodes the recipe at `absoluteFile`; `file` is how locations name it. */
export async function readRecipeText(absoluteFile: string, file: string): Promise<string> {
  return decodeRecipe(await readBounded(absoluteFile, file), file);
}

async function readBounded(absoluteFile: string, file: string): Promise<Uint8Array> {
  const cannotRead = (error: unknown): never => {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new UsageError(`cannot read recipe ${file}: ${reason}`);
  };
  const handle = await open(absoluteFile, 'r').catch(cannotRead);
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) cannotRead(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    const limit = RECIPE_LIMITS.bytes;
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null).catch(cannotRead);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) {
      const size = stats.isFile() ? `${formatCount(stats.size)} bytes` : `more than ${formatCount(limit)} bytes`;
      throw new RecipeError([
        {
          at: locateByte(buffer, limit, file),
          message: `the recipe is ${size}, over the limit of ${formatCount(limit)} bytes (1 MiB) a recipe may have; it passes the limit here`,
        },
      ]);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** The text of recipe bytes. */
export function decodeRecipe(bytes: Uint8Array, _file: string): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * The line and column of byte `offset`, as the YAML parser counts them for valid text: lines
 * end at "\n", and the column counts UTF-16 code units of the line's text before the byte (the
 * same unit as every other recipe location), 1-based.
 */
export function locateByte(bytes: Uint8Array, offset: number, file: string): SourceLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Bytes before `offset` on its line may themselves be cut (the size limit falls anywhere):
  // a lenient decode still gives one unit per character read.
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { file, line, col: before.length + 1 };
}
