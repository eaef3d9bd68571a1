/**
 * ln_structured's named norm orders against torch (test/fixtures/torch/generate_norms.py): fro
 * gives torch's masks where torch accepts it (dense weights), and prune-run refuses exactly the
 * layout / norm / dim combinations torch refuses. Replayed through the registry, as the engine
 * builds methods.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MaskSet, pruneParameter, tfjsToTorch, torchToTfjs, type Amount, type WeightLayout } from '../../src/prune/index.js';
import { normOrderFor } from '../../src/prune/norm.js';
import { createMethod } from '../../src/methods/index.js';
import type { NormSpec } from '../../src/prune/spec.js';
import { errorOf } from './helpers.js';

interface Step {
  op: 'l1_unstructured' | 'ln_structured';
  param: string;
  n?: NormSpec;
  dim?: number;
  amount?: number;
  count?: number;
}
interface Case {
  name: string;
  params: { name: string; layout: WeightLayout; shape: number[]; weights: number[] }[];
  steps: Step[];
  masks: Record<string, number[]>[];
}
interface Refusal {
  layout: WeightLayout;
  shape: number[];
  n: 'fro' | 'nuc';
  dim: number;
  refused: boolean;
  error: string | null;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/torch/ln_structured_norms.json', import.meta.url), 'utf8'),
) as { cases: Case[]; refusals: Refusal[] };

const amountOf = (step: Step): Amount => (step.count !== undefined ? { count: step.count } : { amount: step.amount ?? 0 });

describe('ln_structured with n: fro, against torch', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const set = new MaskSet();
    for (const p of c.params) {
      const { values, shape } = torchToTfjs(p.layout, Float32Array.from(p.weights), p.shape);
      set.track(p.name, shape, values);
    }
    c.steps.forEach((step, index) => {
      const param = c.params.find((p) => p.name === step.param)!;
      const state = set.get(step.param)!;
      const spec =
        step.op === 'l1_unstructured'
          ? ({ method: 'l1_unstructured', amount: amountOf(step) } as const)
          : ({ method: 'ln_structured', amount: amountOf(step), n: step.n!, axis: { kind: 'torch_dim', dim: step.dim! } } as const);
      pruneParameter(state, createMethod(spec, { seed: 0, layout: param.layout, shape: state.shape, paramName: param.name }));
      const torchMask = c.masks[index]![step.param]!;
      expect(Array.from(tfjsToTorch(param.layout, state.mask, state.shape).values), `${c.name}, step ${index}`).toEqual(torchMask);
    });
  });

  it('records fro as written in the history, ranking as 2', () => {
    const spec = { method: 'ln_structured', amount: { amount: 0.5 }, n: 'fro', axis: { kind: 'meaning', value: 'out' } } as const;
    const method = createMethod(spec, { seed: 0, layout: 'dense', shape: [5, 4] });
    expect(method.describe()).toEqual({ method: 'ln_structured', amount: 0.5, n: 'fro', axis: 1, torch_dim: 0, channels: 'out' });
    expect(normOrderFor('fro', 1)).toBe(2);
  });
});

describe('named norms torch refuses', () => {
  it('has refusals for both layouts and both names in the fixture', () => {
    expect(new Set(fixture.refusals.map((r) => `${r.layout} ${r.n}`)).size).toBe(4);
  });

  it.each(fixture.refusals.map((r) => [`${r.layout} n=${r.n} dim=${r.dim}: ${r.error ?? 'accepted'}`, r] as const))('%s', (_label, r) => {
    const shape = torchToTfjs(r.layout, new Float32Array(r.shape.reduce((a, b) => a * b, 1)), r.shape).shape;
    const spec = { method: 'ln_structured', amount: { amount: 0.5 }, n: r.n, axis: { kind: 'torch_dim', dim: r.dim } } as const;
    const build = () => createMethod(spec, { seed: 0, layout: r.layout, shape, paramName: 'w' });
    if (!r.refused) {
      expect(build).not.toThrow();
      return;
    }
    const error = errorOf(build);
    expect(error.code).toBe('PRUNE_NORM_INVALID');
    // The message says why, quoting torch's own refusal.
    expect(error.message).toContain(r.n === 'fro' ? 'Expected at most 2 dimensions' : "nuclear norm requires a 'dim' argument of size 2");
  });

  it('refuses n <= 0 and anything else', () => {
    expect(errorOf(() => normOrderFor(0, 1)).code).toBe('PRUNE_NORM_INVALID');
    expect(errorOf(() => normOrderFor(-2, 1)).code).toBe('PRUNE_NORM_INVALID');
    expect(normOrderFor('inf', 3)).toBe(Infinity);
    expect(normOrderFor('-inf', 3)).toBe(-Infinity);
    expect(normOrderFor(1.5, 3)).toBe(1.5);
  });
});
