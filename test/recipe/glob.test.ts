import { describe, expect, it } from 'vitest';
import { matchGlob } from '../../src/recipe/glob.js';

/** A string whose character reads (text[i]) are counted: the work a matcher does on it. */
function countingText(text: string): { value: string; reads: () => number } {
  let reads = 0;
  const value = new Proxy(new String(text), {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      const found: unknown = Reflect.get(target, key);
      return typeof found === 'function' ? (found as (...args: unknown[]) => unknown).bind(target) : found;
    },
  });
  return { value: value as unknown as string, reads: () => reads };
}

describe('matchGlob', () => {
  it.each([
    ['kernel', 'kernel', true],
    ['kernel', 'kernels', false],
    ['kernel', 'kerne', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['fc*', 'fc1', true],
    ['fc*', 'fc', true],
    ['fc*', 'conv_fc', false],
    ['*_fc', 'dense_fc', true],
    ['conv?', 'conv1', true],
    ['conv?', 'conv', false],
    ['conv?', 'conv12', false],
    ['c*v*1', 'conv2d_Conv2D1', true],
    ['c*v*1', 'conv2d_Conv2D2', false],
    ['a*b*c', 'abxbc', true],
    ['a*b*c', 'acb', false],
    ['**', 'x', true],
    ['?*', '', false],
    ['dense.kernel', 'dense.kernel', true],
    // Regex metacharacters are plain characters.
    ['dense.kernel', 'densekkernel', false],
    ['a+b', 'a+b', true],
    ['Kernel', 'kernel', false],
  ])('matchGlob(%j, %j) is %s', (pattern, text, expected) => {
    expect(matchGlob(pattern, text)).toBe(expected);
  });

  it('reads the text a bounded number of times per character: no backtracking blow-up, linear in the text', () => {
    // A backtracking regex for this pattern tries every way to place seven stars over the text
    // (about n^7 steps); the scan lets only the last star backtrack, so each star's turn costs at
    // most one pass, and doubling the text at most doubles the reads.
    const pattern = '*a*a*a*a*a*a*a*b';
    const reads = (length: number): number => {
      const text = countingText('a'.repeat(length));
      expect(matchGlob(pattern, text.value)).toBe(false);
      return text.reads();
    };
    const short = reads(2500);
    const long = reads(5000);
    expect(long).toBeLessThanOrEqual(pattern.length * 2 * 5000);
    expect(long).toBeLessThanOrEqual(2 * short + pattern.length);
  });
});
