/**
 * The runs folder is checked before anything starts (before plugins load, data is read or a run
 * folder is made): a file where the folder should be, or a folder this user cannot write (a
 * read-only mount, no permission) is bad input, exit 2, one line, and nothing is written.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileErrorReason, UsageError } from '../errors.js';

async function kindOf(file: string): Promise<'folder' | 'other' | 'missing' | { readonly unusable: string }> {
  try {
    return (await stat(file)).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    // A symlink loop (ELOOP), a name too long, no permission to look: no folder can be made there.
    return { unusable: fileErrorReason(error) };
  }
}

/**
 * Refuses a runs folder that cannot be made or written: `dir` itself when it exists, else the
 * nearest folder above it that exists (where mkdir would make it). `shown` names it as the user
 * gave it, `source` where it came from (`--runs-dir`, `runsDir in <config file>`, the default).
 */
export async function checkRunsFolder(dir: string, shown: string, source: string): Promise<void> {
  const refuse = (why: string) => new UsageError(`runs folder ${shown} (${source}): ${why}; nothing was run`);
  if (shown === '') throw refuse('an empty path names no folder');
  let existing = dir;
  for (;;) {
    const kind = await kindOf(existing);
    if (typeof kind === 'object') throw refuse(`${existing === dir ? 'it' : existing} cannot be used: ${kind.unusable}`);
    if (kind === 'folder') break;
    if (kind === 'other') {
      throw refuse(existing === dir ? 'it is a file, not a folder' : `${existing} is a file, not a folder, so the runs folder cannot be made in it`);
    }
    const parent = path.dirname(existing);
    if (parent === existing) throw refuse('no folder of its path exists');
    existing = parent;
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw refuse(`${existing === dir ? 'it' : `${existing}, where it would be made,`} cannot be written: ${fileErrorReason(error)}`);
  }
}
