import { describe, expect, it } from 'vitest';
import { matchGlob } from '../../src/recipe/glob.js';

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

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const text = 'a'.repeat(5000);
    const started = performance.now();
    expect(matchGlob('*a*a*a*a*a*a*a*b', text)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
