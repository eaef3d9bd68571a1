/**
 * Replays torch.nn.utils.prune runs recorded by test/fixtures/torch/generate.py: the same weights,
 * converted to TF.js layout, pruned with the same steps, must give torch's masks entry by entry.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  l1Unstructured,
  lnStructured,
  MaskSet,
  pruneGlobal,
  pruneParameter,
  tfjsToTorch,
  torchDimToTfjsAxis,
  torchToTfjs,
  type Amount,
  type WeightLayout,
} from '../../src/prune/index.js';

interface FixtureParam {
  name: string;
  layout: WeightLayout;
  shape: number[];
  weights: number[];
}
type FixtureStep = ({ amount: number } | { count: number }) &
  (
    | { op: 'l1_unstructured'; param: string }
    | { op: 'ln_structured'; param: string; n: number | 'inf' | '-inf'; dim: number }
    | { op: 'global_unstructured'; params: string[] }
  );
interface FixtureCase {
  name: string;
  params: FixtureParam[];
  steps: FixtureStep[];
  masks: Record<string, number[]>[];
}
interface FixtureFile {
  torch: string;
  cases: FixtureCase[];
}

function load(file: string): FixtureFile {
  const url = new URL(`../fixtures/torch/${file}`, import.meta.url);
  const data = JSON.parse(readFileSync(url, 'utf8')) as FixtureFile;
  if (!Array.isArray(data.cases) || data.cases.length === 0) throw new Error(`${file}: no cases`);
  return data;
}

function amountOf(step: FixtureStep): Amount {
  return 'count' in step ? { count: step.count } : { amount: step.amount };
}

function normOf(n: number | 'inf' | '-inf'): number {
  return n === 'inf' ? Infinity : n === '-inf' ? -Infinity : n;
}

function replay(c: FixtureCase): void {
  const set = new MaskSet();
  const params = new Map(c.params.map((p) => [p.name, p]));
  const param = (name: string): FixtureParam => {
    const p = params.get(name);
    if (p === undefined) throw new Error(`${c.name}: unknown param ${name}`);
    return p;
  };
  for (const p of c.params) {
    const { values, shape } = torchToTfjs(p.layout, Float32Array.from(p.weights), p.shape);
    set.track(p.name, shape, values);
  }
  c.steps.forEach((step, index) => {
    switch (step.op) {
      case 'l1_unstructured':
        pruneParameter(set.get(step.param)!, l1Unstructured(amountOf(step)));
        break;
      case 'ln_structured': {
        const axis = torchDimToTfjsAxis(param(step.param).layout, step.dim);
        pruneParameter(set.get(step.param)!, lnStructured(amountOf(step), normOf(step.n), axis));
        break;
      }
      case 'global_unstructured':
        pruneGlobal(step.params.map((name) => set.get(name)!), l1Unstructured(amountOf(step)));
        break;
    }
    const expected = c.masks[index]!;
    for (const p of c.params) {
      const state = set.get(p.name)!;
      const torchMask = expected[p.name];
      const where = `${c.name}, step ${String(index)}, ${p.name}`;
      if (torchMask === undefined) {
        // torch has not reparametrised this parameter yet: nothing pruned here either
        expect(state.mask.every((v) => v === 1), where).toBe(true);
        continue;
      }
      const tfjsExpected = torchToTfjs(p.layout, Uint8Array.from(torchMask), p.shape).values;
      expect(Array.from(state.mask), where).toEqual(Array.from(tfjsExpected));
      // and back: our mask in torch layout is torch's mask
      expect(Array.from(tfjsToTorch(p.layout, state.mask, state.shape).values), where).toEqual(torchMask);
    }
  });
}

describe.each(['l1_unstructured.json', 'global_unstructured.json', 'ln_structured.json'])('torch conformance: %s', (file) => {
  const data = load(file);
  it.each(data.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    replay(c);
  });
});
