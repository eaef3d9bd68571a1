/**
 * The method registry: every spec builds the core method it names, structured axes resolve from
 * meaning or torch's dim through the layout, and random methods are reproducible by seed.
 */
import { describe, expect, it } from 'vitest';
import { resolveAxis } from '../../src/prune/axis.js';
import { lnStructured, METHOD_KINDS, pruneParameter } from '../../src/prune/index.js';
import type { PruningPlugin } from '../../src/prune/plugin.js';
import { createMethod, METHOD_NAMES, type MethodContext, type MethodSpec } from '../../src/methods/index.js';
import type { AxisSpec } from '../../src/prune/spec.js';
import { errorOf, state, tieFree, zeros } from '../prune/helpers.js';

const conv: MethodContext = { seed: 7, layout: 'conv2d', shape: [3, 3, 4, 6], paramName: 'conv/kernel' };
const dense: MethodContext = { seed: 7, layout: 'dense', shape: [5, 4], paramName: 'fc/kernel' };
const out: AxisSpec = { kind: 'meaning', value: 'out' };
const inward: AxisSpec = { kind: 'meaning', value: 'in' };
const dim = (d: number): AxisSpec => ({ kind: 'torch_dim', dim: d });

const SPECS: Record<MethodSpec['method'], MethodSpec> = {
  identity: { method: 'identity' },
  l1_unstructured: { method: 'l1_unstructured', amount: { amount: 0.3 } },
  random_unstructured: { method: 'random_unstructured', amount: { count: 4 } },
  ln_structured: { method: 'ln_structured', amount: { amount: 0.5 }, n: 2, axis: out },
  random_structured: { method: 'random_structured', amount: { count: 2 }, axis: inward },
  custom_from_mask: {
    method: 'custom_from_mask',
    mask: { file: '/masks.safetensors', tensor: 'conv/kernel', layout: 'tfjs', shape: [3, 3, 4, 6], sha256: '' },
  },
  semi_structured: { method: 'semi_structured', pattern: { n: 2, m: 4 } },
  custom: {
    method: 'custom',
    module: '/plugins/keep.js',
    plugin: { file: '/plugins/keep.js', sha256: '', name: 'custom', kind: 'unstructured' },
    options: {},
  },
};
/** A plugin that keeps everything, named as its spec so the name check below holds. */
const keepAll: PruningPlugin = { name: 'custom', kind: 'unstructured', computeMask: (_scores, mask) => Uint8Array.from(mask) };
/** custom_from_mask's mask and custom's plugin, given by the caller (the spec only names them). */
const withMask: MethodContext = { ...conv, mask: new Uint8Array(216).fill(1), plugin: keepAll };

function maskOf(spec: MethodSpec, context: MethodContext, seed = 3): Uint8Array {
  const n = context.shape.reduce((a, b) => a * b, 1);
  const s = state('w', [...context.shape], tieFree(n, seed));
  pruneParameter(s, createMethod(spec, context));
  return s.mask;
}

describe('createMethod', () => {
  it('has a factory for every method name, building a method of that name', () => {
    expect(Object.keys(SPECS).sort()).toEqual([...METHOD_NAMES].sort());
    for (const name of METHOD_NAMES) {
      const method = createMethod(SPECS[name], withMask);
      expect(method.name).toBe(name);
      expect(METHOD_KINDS).toContain(method.kind);
    }
  });

  it('prunes the counts each spec asks for', () => {
    expect(zeros(maskOf(SPECS.identity, conv))).toBe(0);
    expect(zeros(maskOf(SPECS.l1_unstructured, conv))).toBe(65); // round(0.3 · 216) = round(64.8)
    expect(zeros(maskOf(SPECS.random_unstructured, conv))).toBe(4);
    expect(zeros(maskOf(SPECS.ln_structured, conv))).toBe(3 * 36); // 3 of 6 filters of 3·3·4
    expect(zeros(maskOf(SPECS.random_structured, conv))).toBe(2 * 54); // 2 of 4 input channels of 3·3·6
    expect(zeros(maskOf(SPECS.semi_structured, conv))).toBe(108); // 2 of every 4 inputs
  });

  it('maps axis: out / in and torch dims to the TF.js axis of each layout', () => {
    expect(resolveAxis(out, 'conv2d', conv.shape)).toBe(3);
    expect(resolveAxis(inward, 'conv2d', conv.shape)).toBe(2);
    expect([0, 1, 2, 3, -4, -3, -2, -1].map((d) => resolveAxis(dim(d), 'conv2d', conv.shape))).toEqual([3, 2, 0, 1, 3, 2, 0, 1]);
    expect(resolveAxis(out, 'dense', dense.shape)).toBe(1);
    expect(resolveAxis(inward, 'dense', dense.shape)).toBe(0);
    expect([0, 1, -2, -1].map((d) => resolveAxis(dim(d), 'dense', dense.shape))).toEqual([1, 0, 1, 0]);
  });

  it('gives the same mask for axis: out and dim: 0, and the core method on the TF.js axis', () => {
    for (const context of [conv, dense]) {
      const byMeaning = maskOf({ ...SPECS.ln_structured, axis: out } as MethodSpec, context);
      expect(maskOf({ ...SPECS.ln_structured, axis: dim(0) } as MethodSpec, context)).toEqual(byMeaning);
      const s = state('w', [...context.shape], tieFree(byMeaning.length, 3));
      pruneParameter(s, lnStructured({ amount: 0.5 }, 2, context.shape.length - 1));
      expect(s.mask).toEqual(byMeaning);
    }
  });

  it('records the TF.js axis and torch dim in the history', () => {
    expect(createMethod({ ...SPECS.random_structured, axis: dim(-3) } as MethodSpec, conv).describe()).toEqual({
      method: 'random_structured',
      count: 2,
      axis: 2,
      torch_dim: 1,
    });
  });

  it('refuses an axis without a layout, a rank that does not fit, and a dim out of range', () => {
    const bias: MethodContext = { seed: 0, layout: null, shape: [6], paramName: 'conv/bias' };
    expect(errorOf(() => createMethod(SPECS.ln_structured, bias)).message).toBe(
      "'conv/bias': axis: out needs a conv2d or dense kernel, whose layout says which axis holds the channels; " +
        "'conv/bias' (shape [6]) is neither",
    );
    expect(errorOf(() => createMethod(SPECS.ln_structured, { ...conv, shape: [4, 4] })).code).toBe('PRUNE_AXIS_INVALID');
    const far = errorOf(() => createMethod({ ...SPECS.ln_structured, axis: dim(4) } as MethodSpec, conv));
    expect(far.code).toBe('PRUNE_AXIS_INVALID');
    expect(far.message).toContain('dim: 4 is out of range for a conv2d kernel');
    // Unstructured methods need no layout.
    expect(() => createMethod(SPECS.l1_unstructured, bias)).not.toThrow();
  });

  it('draws random masks from the seed: same seed, same mask; another seed, another mask', () => {
    for (const spec of [SPECS.random_unstructured, SPECS.random_structured]) {
      const a = maskOf(spec, conv);
      expect(maskOf(spec, conv)).toEqual(a);
      const others = [8, 9, 10].map((seed) => maskOf(spec, { ...conv, seed }));
      expect(others.some((m) => m.some((v, i) => v !== a[i]))).toBe(true);
    }
  });
});
