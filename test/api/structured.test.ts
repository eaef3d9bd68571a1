import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { prune, PruneError } from '../../src/index.js';
import { deadChannels, errorOf, isWholeChannels, lenet, masked, useWasm, valuesOf, zeros } from './helpers.js';

useWasm();

/** The L2 norm of each channel along `axis`, computed here directly. */
function channelNorms(values: Float32Array, shape: number[], axis: number): number[] {
  let stride = 1;
  for (let d = axis + 1; d < shape.length; d++) stride *= shape[d]!;
  const norms = new Array<number>(shape[axis]!).fill(0);
  values.forEach((v, i) => (norms[Math.floor(i / stride) % shape[axis]!]! += v * v));
  return norms.map(Math.sqrt);
}

function smallest(norms: number[], k: number): number[] {
  return norms.map((n, c) => [n, c] as const).sort((a, b) => a[0] - b[0]).slice(0, k).map(([, c]) => c).sort((a, b) => a - b);
}

function deadIndices(mask: Uint8Array, shape: number[], axis: number): number[] {
  return deadChannels(mask, shape, axis).flatMap((dead, c) => (dead ? [c] : []));
}

describe('prune.lnStructured', () => {
  it("axis: 'out' on a Conv2D kernel zeroes whole filters (TF.js axis 3), the ones of smallest L2 norm", () => {
    const { model, conv2 } = lenet();
    const shape = [3, 3, 6, 16];
    const before = valuesOf(model, 'conv2/kernel');
    prune.lnStructured(conv2, 'kernel', { amount: 0.5, n: 2, axis: 'out' });
    const p = prune.parameters(conv2)[0]!;
    expect(isWholeChannels(p.mask, shape, 3)).toBe(true);
    expect(deadIndices(p.mask, shape, 3)).toEqual(smallest(channelNorms(before, shape, 3), 8));
    expect(valuesOf(model, 'conv2/kernel')).toEqual(masked(before, p.mask));
    // Recorded as a recipe step records it: the TF.js axis, torch's dim and how it was asked for.
    expect(p.history).toEqual([{ method: 'ln_structured', amount: 0.5, n: 2, axis: 3, torch_dim: 0, channels: 'out' }]);
  });

  it("axis: 'out' on a Dense kernel zeroes whole units (TF.js axis 1)", () => {
    const { model, fc2 } = lenet();
    const shape = [120, 84];
    const before = valuesOf(model, 'fc2/kernel');
    prune.lnStructured(fc2, 'kernel', { count: 10, n: 1, axis: 'out' });
    const mask = prune.parameters(fc2)[0]!.mask;
    expect(isWholeChannels(mask, shape, 1)).toBe(true);
    expect(deadIndices(mask, shape, 1)).toHaveLength(10);
    const dead = deadChannels(mask, shape, 1);
    // Every pruned unit has an L1 norm no larger than every kept unit's.
    const norms = new Array<number>(84).fill(0);
    before.forEach((v, i) => (norms[i % 84]! += Math.abs(v)));
    const maxPruned = Math.max(...norms.filter((_, c) => dead[c]));
    const minKept = Math.min(...norms.filter((_, c) => !dead[c]));
    expect(maxPruned).toBeLessThanOrEqual(minKept);
  });

  it("torch's dim: 0 picks the same channels as axis: 'out', dim: 1 the same as axis: 'in'", () => {
    for (const [layerName, shape] of [['conv2', [3, 3, 6, 16]], ['fc1', [400, 120]]] as const) {
      const masks = (['out', 0, 'in', 1] as const).map((a) => {
        const { [layerName]: layer } = lenet(5);
        const options = typeof a === 'number' ? { dim: a } : { axis: a };
        prune.lnStructured(layer, 'kernel', { amount: 0.5, n: 2, ...options });
        return prune.parameters(layer)[0]!.mask;
      });
      expect(masks[1]).toEqual(masks[0]);
      expect(masks[3]).toEqual(masks[2]);
      expect(isWholeChannels(masks[0]!, shape, shape.length - 1)).toBe(true);
      expect(isWholeChannels(masks[2]!, shape, shape.length - 2)).toBe(true);
    }
  });

  it("accepts torch's norm names where torch.norm does: fro ranks as 2 on a dense kernel, and is refused on a conv kernel", () => {
    const a = lenet();
    const b = lenet();
    prune.lnStructured(a.fc2, 'kernel', { amount: 0.5, n: 'fro', axis: 'out' });
    prune.lnStructured(b.fc2, 'kernel', { amount: 0.5, n: 2, axis: 'out' });
    expect(prune.parameters(a.fc2)[0]!.mask).toEqual(prune.parameters(b.fc2)[0]!.mask);
    expect(prune.parameters(a.fc2)[0]!.history[0]).toMatchObject({ n: 'fro' });
    const e = errorOf(() => prune.lnStructured(a.conv1, 'kernel', { amount: 0.5, n: 'fro', axis: 'out' }));
    expect(e.code).toBe('PRUNE_NORM_INVALID');
    expect(e.message).toContain("'conv1/kernel'");
    const c = lenet();
    prune.lnStructured(c.conv1, 'kernel', { amount: 0.5, n: 'inf', axis: 'out' });
    expect(prune.parameters(c.conv1)[0]!.history[0]).toMatchObject({ n: 'inf' });
  });

  it('after 30% unstructured, counts channels not yet entirely pruned and multiplies into the mask (the seed\'s sequence)', () => {
    const { model, conv1 } = lenet();
    prune.randomUnstructured(conv1, 'kernel', { amount: 0.3, seed: 1 });
    const first = prune.parameters(conv1)[0]!.mask;
    prune.lnStructured(conv1, 'kernel', { amount: 0.5, n: 2, axis: 'out' });
    const p = prune.parameters(conv1)[0]!;
    expect(deadIndices(p.mask, [3, 3, 1, 6], 3)).toHaveLength(3);
    expect(first.every((v, i) => v !== 0 || p.mask[i] === 0)).toBe(true);
    expect(p.history.map((h) => h.method)).toEqual(['random_unstructured', 'ln_structured']);
    expect(zeros(valuesOf(model, 'conv1/kernel'))).toBe(zeros(p.mask));
  });

});

describe('prune.randomStructured', () => {
  it('prunes whole channels, the exact count, the same ones for the same seed', () => {
    const run = (seed: number) => {
      const { fc1 } = lenet();
      prune.randomStructured(fc1, 'kernel', { amount: 0.5, axis: 'out', seed });
      return prune.parameters(fc1)[0]!.mask;
    };
    const [a, b, c] = [run(1), run(1), run(2)];
    expect(isWholeChannels(a, [400, 120], 1)).toBe(true);
    expect(deadIndices(a, [400, 120], 1)).toHaveLength(60);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('the axis by meaning needs a known layout', () => {
  it('refuses another layer type, naming the layer and its class', () => {
    const layer = tf.layers.conv1d({ name: 'c1d', filters: 4, kernelSize: 3, inputShape: [10, 2] });
    tf.sequential({ layers: [layer] });
    const e = errorOf(() => prune.lnStructured(layer, 'kernel', { amount: 0.5, n: 2, axis: 'out' }));
    expect(e.code).toBe('PRUNE_LAYOUT_UNKNOWN');
    expect(e.message).toBe(
      "ln_structured of 'c1d/kernel' [3, 2, 4]: axis: 'out' needs the weight's layout, which prune-run knows only " +
        "for the kernel of Conv2D and Dense layers, not for 'kernel' of layer 'c1d' (Conv1D)",
    );
    expect(prune.isPruned(layer)).toBe(false);
  });

  it('refuses dim on a bias, and a dim out of range with the parameter named', () => {
    const { conv1 } = lenet();
    expect(errorOf(() => prune.lnStructured(conv1, 'bias', { amount: 0.5, n: 2, dim: 0 })).code).toBe('PRUNE_LAYOUT_UNKNOWN');
    const e = errorOf(() => prune.lnStructured(conv1, 'kernel', { amount: 0.5, n: 2, dim: 4 }));
    expect(e.code).toBe('PRUNE_AXIS_INVALID');
    expect(e.message).toContain("'conv1/kernel'");
  });

  it('wants exactly one of axis and dim, and a known meaning', () => {
    const { conv1 } = lenet();
    const both = { amount: 0.5, n: 2, axis: 'out', dim: 0 } as unknown as Parameters<typeof prune.lnStructured>[2];
    expect(errorOf(() => prune.lnStructured(conv1, 'kernel', both)).code).toBe('PRUNE_OPTIONS_INVALID');
    const none = { amount: 0.5, n: 2 } as unknown as Parameters<typeof prune.lnStructured>[2];
    expect(errorOf(() => prune.lnStructured(conv1, 'kernel', none)).code).toBe('PRUNE_OPTIONS_INVALID');
    const bad = { amount: 0.5, n: 2, axis: 'filters' } as unknown as Parameters<typeof prune.lnStructured>[2];
    const e = errorOf(() => prune.lnStructured(conv1, 'kernel', bad));
    expect(e.code).toBe('PRUNE_AXIS_INVALID');
    expect(e.message).toContain("'out', 'in'");
    expect(e).toBeInstanceOf(PruneError);
  });
});
