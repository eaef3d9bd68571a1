import { describe, expect, it } from 'vitest';
import { expandBraces, globProblem, MAX_ALTERNATIVES, matchGlob } from '../../src/recipe/glob.js';

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
    // Names are not paths: * and ? also match / and a leading dot.
    ['*', 'conv1/kernel', true],
    ['conv1?kernel', 'conv1/kernel', true],
    ['*', '.hidden', true],
    // Braces (picomatch's and bash's alternatives and ranges).
    ['fc{1,2}', 'fc1', true],
    ['fc{1,2}', 'fc2', true],
    ['fc{1,2}', 'fc3', false],
    ['fc{1,2}', 'fc{1,2}', false],
    ['{conv,fc}*', 'conv2', true],
    ['{conv,fc}*', 'fc3', true],
    ['{conv,fc}*', 'dense', false],
    ['layer{1..3}_0_conv1', 'layer2_0_conv1', true],
    ['layer{1..3}_0_conv1', 'layer4_0_conv1', false],
    ['block{01..10}', 'block07', true],
    ['block{01..10}', 'block7', false],
    ['{a,b{c,d}}x', 'bdx', true],
    ['{x}', '{x}', true],
    // Classes (picomatch's).
    ['conv[12]', 'conv1', true],
    ['conv[12]', 'conv2', true],
    ['conv[12]', 'conv3', false],
    ['conv[12]', 'conv[12]', false],
    ['conv[!1]', 'conv2', true],
    ['conv[!1]', 'conv1', false],
    ['conv[1-3]*', 'conv3_bn', true],
    ['conv[[:digit:]]', 'conv7', true],
    ['conv[[:digit:]]', 'convx', false],
    ['a[]]b', 'a]b', true],
    ['a[b', 'a[b', true],
    ['\\*x', '*x', true],
    ['\\*x', 'ax', false],
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

  it('stays linear with classes and braces too: a pathological pattern on a long name returns at once', () => {
    const name = 'a'.repeat(2000);
    const start = performance.now();
    expect(matchGlob('*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*{b,c}', name)).toBe(false);
    expect(matchGlob('{a,a}{a,a}{a,a}{a,a}{a,a}{a,a}{a,a}{a,a}b', 'a'.repeat(30))).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('expandBraces', () => {
  it('expands in order, nested and ranged', () => {
    expect(expandBraces('fc{1,2}')).toEqual(['fc1', 'fc2']);
    expect(expandBraces('{a,b}{1..2}')).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(expandBraces('x{3..1}')).toEqual(['x3', 'x2', 'x1']);
    expect(expandBraces('{a..e..2}')).toEqual(['a', 'c', 'e']);
    expect(expandBraces('[{]x')).toEqual(['[{]x']);
  });

  it('refuses a brace bomb instead of expanding it', () => {
    expect(expandBraces('{a,b}'.repeat(20))).toBeNull();
    expect(expandBraces(`x{1..${MAX_ALTERNATIVES + 1}}`)).toBeNull();
    expect(globProblem('{a,b}'.repeat(20))).toMatch(/expand to more than 256 alternatives/);
    expect(globProblem('fc{1,2}')).toBeNull();
  });
});
