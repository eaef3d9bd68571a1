/**
 * A recipe file → its text, exactly. Two promises rest on this: the run's recipe.yaml is the file
 * byte for byte (it is written back from this text, and the run id hashes it), and nothing is
 * guessed. So bytes that are not UTF-8 are refused at their line and column instead of being
 * replaced by U+FFFD (which would change the recipe, its hash and any non-ASCII name in it), a
 * byte-order mark is kept as part of the text, and no more than RECIPE_LIMITS.bytes (plus one, to
 * see that there is more) is ever read, so a huge file or an endless one (a device, a pipe that
 * never closes its writer) cannot fill the memory.
 */
import { RecipeError, UsageError, type SourceLocation } from '../errors.js';
import { readBounded, type BoundedText } from '../util/boundedRead.js';
import { formatCount, RECIPE_LIMITS } from './limits.js';

/**
 * Reads and decodes the recipe at `absoluteFile`; `file` is how locations name it, `what` how
 * messages name the file (a sweep file is read the same way).
 */
export async function readRecipeText(absoluteFile: string, file: string, what = 'recipe'): Promise<string> {
  return decodeRecipe(await readLimited(absoluteFile, file, what), file, what);
}

async function readLimited(absoluteFile: string, file: string, what: string): Promise<Uint8Array> {
  const limit = RECIPE_LIMITS.bytes;
  let read: BoundedText;
  try {
    read = await readBounded(absoluteFile, limit);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new UsageError(`cannot read ${what} ${file}: ${reason}`);
  }
  if (read.pipe && read.bytes.length === 0) throw new UsageError(`cannot read ${what} ${file}: it is a FIFO (named pipe) that nothing writes to`);
  if (read.over) {
    const size = read.size !== null ? `${formatCount(read.size)} bytes` : `more than ${formatCount(limit)} bytes`;
    throw new RecipeError([
      {
        at: locateByte(read.bytes, limit, file),
        message: `the ${what} is ${size}, over the limit of ${formatCount(limit)} bytes (1 MiB) a ${what} may have; it passes the limit here`,
      },
    ]);
  }
  return read.bytes;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of recipe bytes, which must be UTF-8 (ignoreBOM keeps a byte-order mark in the text,
 * so that encoding the text again gives the same bytes). Also for a run folder's recipe.yaml.
 */
export function decodeRecipe(bytes: Uint8Array, file: string, what = 'recipe'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const byte = bytes[offset] ?? 0;
    const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    throw new RecipeError([
      {
        at: locateByte(bytes, offset, file),
        message:
          `the ${what} is not valid UTF-8: byte ${hex} here does not begin a UTF-8 character ` +
          '(text saved as Latin-1 or Windows-1252 looks like this); save the file as UTF-8',
      },
    ]);
  }
}

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 sequence (Unicode's
 * Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all are.
 * A sequence cut short is blamed on its first byte: that is the character that cannot be read.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes needed, and the allowed range of the first of them.
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead === 0xe0) [need, low] = [2, 0xa0];
    else if (lead === 0xed) [need, high] = [2, 0x9f];
    else if (lead >= 0xe1 && lead <= 0xef) need = 2;
    else if (lead === 0xf0) [need, low] = [3, 0x90];
    else if (lead === 0xf4) [need, high] = [3, 0x8f];
    else if (lead >= 0xf1 && lead <= 0xf3) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (next === undefined || next < min || next > max) return i;
    }
    i += need + 1;
  }
  return -1;
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
