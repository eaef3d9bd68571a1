/**
 * What the command prints when something goes wrong. A user reads one line saying what failed and
 * where (the file, or for a bug of prune-run's own the source line it came from), never a stack
 * trace, unless they ask for one: `--debug` or PRUNE_RUN_DEBUG=1 print the whole stack and every
 * cause below it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileErrorReason, PruneRunError } from '../errors.js';
import { thrownText } from '../util/thrown.js';

/** The environment variable that asks for stack traces, as --debug does (for runs started by tools). */
export const DEBUG_ENV = 'PRUNE_RUN_DEBUG';

/** Whether the user asked for stack traces: --debug anywhere in the arguments, or PRUNE_RUN_DEBUG set to anything but '' or 0. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[DEBUG_ENV];
  return argv.includes('--debug') || (value !== undefined && value !== '' && value !== '0');
}

/** Where an error was thrown, as `file:line` relative to `cwd`: the first frame of its stack that names a file. */
function thrownAt(error: Error, cwd: string): string | null {
  for (const line of (error.stack ?? '').split('\n').slice(1)) {
    const match = /(?:\(|at )((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):\d+\)?$/.exec(line.trim());
    if (match === null) continue;
    const file = match[1]!.startsWith('file://') ? fileURLToPath(match[1]!) : match[1]!;
    return `${path.relative(cwd, file) || file}:${match[2]!}`;
  }
  return null;
}

/** An error's text on one line (a message with line breaks is joined with ' / '). */
const oneLine = (text: string) => text.trim().split(/\s*\n\s*/).join(' / ');

/**
 * What went wrong, for the user: our own errors by their message (a recipe's problems keep a line
 * each); a system error by what it did, the file and the reason in words; anything else — a bug —
 * by its class, message and where it was thrown, with how to get the stack trace.
 */
export function describeError(error: unknown, cwd: string): string {
  if (error instanceof PruneRunError) return error.message;
  if (!(error instanceof Error)) return oneLine(thrownText(error));
  const system = error as NodeJS.ErrnoException;
  if (typeof system.code === 'string' && typeof system.syscall === 'string') {
    const file = typeof system.path === 'string' ? ` ${path.relative(cwd, system.path) || system.path}` : '';
    return `${system.syscall}${file}: ${fileErrorReason(system)}`;
  }
  const at = thrownAt(error, cwd);
  return `${oneLine(`${error.name}: ${error.message}`)}${at === null ? '' : ` (at ${at})`}; run with --debug for the stack trace`;
}

/** The whole story for --debug: each error's stack, then its causes'. */
export function debugText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined && current !== null) parts.push('caused by:');
  }
  return parts.join('\n');
}
