/**
 * What a failure prints (src/cli/failure.ts): one line a user can act on — our own errors by their
 * message, a system error by what it did, the file and the reason in words, a bug of prune-run's
 * by its class, message and the source line it came from — and the stack only when asked for.
 */
import { describe, expect, it } from 'vitest';
import { debugRequested, debugText, describeError } from '../../src/cli/failure.js';
import { FileWriteError, UsageError } from '../../src/errors.js';
import { STACK_LINE } from '../helpers/child.js';

describe('describeError', () => {
  it('our own errors: their message as it is', () => {
    expect(describeError(new UsageError('--seed must be a whole number'), '/p')).toBe('--seed must be a whole number');
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(describeError(new FileWriteError('/p/runs/a.partial/model.onnx', full), '/p')).toBe('cannot write /p/runs/a.partial/model.onnx: no space left on the device (ENOSPC)');
  });

  it('a system error: what it did, the file relative to the working folder, the reason in words', () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/p/runs/x'"), { code: 'EACCES', syscall: 'open', path: '/p/runs/x' });
    expect(describeError(error, '/p')).toBe('open runs/x: permission denied (EACCES)');
  });

  it('a bug: one line with its class, message and where it was thrown, and how to get the stack', () => {
    let error: unknown;
    try {
      String((null as unknown as { x: number }).x);
    } catch (e) {
      error = e;
    }
    const text = describeError(error, process.cwd());
    expect(text).toMatch(/^TypeError: Cannot read properties of null \(reading 'x'\) \(at test\/cli\/failure\.test\.ts:\d+\); run with --debug for the stack trace$/);
    expect(text).not.toMatch(/\n/);
    expect(describeError(new Error('two\nlines'), '/p')).toMatch(/^Error: two \/ lines/);
  });

  it('the stack and every cause for --debug, which --debug or PRUNE_RUN_DEBUG asks for', () => {
    const text = debugText(new UsageError('outer'));
    expect(text).toMatch(STACK_LINE);
    const caused = debugText(new Error('outer', { cause: new Error('inner') }));
    expect(caused).toMatch(/^Error: outer\n\s+at [\s\S]*\ncaused by:\nError: inner\n\s+at /);
    expect(debugRequested(['--debug', 'r.yaml'], {})).toBe(true);
    expect(debugRequested(['r.yaml'], { PRUNE_RUN_DEBUG: '1' })).toBe(true);
    expect(debugRequested(['r.yaml'], { PRUNE_RUN_DEBUG: '0' })).toBe(false);
    expect(debugRequested(['r.yaml'], {})).toBe(false);
  });
});
