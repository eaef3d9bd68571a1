/**
 * `prune-run compare [--json] <run folder> <run folder> [...]`: finished runs side by side.
 * Returns the exit status; bad folders are UsageErrors (exit 2, via main).
 */
import { parseArgs } from 'node:util';
import { buildComparison } from '../compare/comparison.js';
import { formatComparison } from '../compare/format.js';
import { readRunFolders } from '../compare/readRun.js';
import { UsageError } from '../errors.js';
import { COMPARE_USAGE } from './args.js';
import { SUCCESS_STATUS } from './exitStatus.js';
import type { CliIo } from './io.js';

export async function runCompare(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
    });
  } catch (error) {
    throw new UsageError(`compare: ${(error as Error).message}\nRun prune-run compare --help for its options.`);
  }
  if (parsed.values.help === true) {
    io.stdout(COMPARE_USAGE);
    return SUCCESS_STATUS;
  }
  const folders = parsed.positionals;
  if (folders.length < 2) {
    throw new UsageError(`compare needs at least two run folders, got ${folders.length}: prune-run compare runs/<id-A> runs/<id-B> [...]`);
  }
  const comparison = buildComparison(await readRunFolders(folders, io.cwd));
  io.stdout(parsed.values.json === true ? JSON.stringify(comparison, null, 2) : formatComparison(comparison));
  return SUCCESS_STATUS;
}
