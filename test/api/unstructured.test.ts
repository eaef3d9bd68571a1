import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { prune } from '../../src/index.js';
import * as core from '../../src/prune/index.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { lenet, masked, useWasm, valuesOf, zeros } from './helpers.js';

useWasm();

describe('prune.l1Unstructured on a layer', () => {
  it('prunes torch\'s count of smallest |w| and leaves values × mask in the variable', () => {
    const { model, conv1 } = lenet();
    const before = valuesOf(model, 'conv1/kernel');
    expect(prune.l1Unstructured(conv1, 'kernel', 0.3)).toBe(conv1); // returns the layer, as torch returns the module
    const [p] = prune.parameters(conv1);
    expect(p!.name).toBe('conv1/kernel');
    expect(zeros(p!.mask)).toBe(16); // round(0.3 · 54) = round(16.2)
    expect(valuesOf(model, 'conv1/kernel')).toEqual(masked(before, p!.mask));
    expect(p!.values).toEqual(masked(before, p!.mask)); // torch's module.weight; no weight_orig is kept
    // The same mask as the core computes from the same weights.
    const expected = core.l1Unstructured({ amount: 0.3 }).computeMask(before, new Uint8Array(54).fill(1), [3, 3, 1, 6]);
    expect(p!.mask).toEqual(expected);
  });

  it('reads a plain number and { amount } alike, and { count } as a number of entries', () => {
    const a = lenet(3);
    const b = lenet(3);
    const c = lenet(3);
    prune.l1Unstructured(a.fc3, 'kernel', 0.25);
    prune.l1Unstructured(b.fc3, 'kernel', { amount: 0.25 });
    prune.l1Unstructured(c.fc3, 'kernel', { count: 3 });
    expect(prune.parameters(a.fc3)[0]!.mask).toEqual(prune.parameters(b.fc3)[0]!.mask);
    expect(zeros(prune.parameters(a.fc3)[0]!.mask)).toBe(210); // 0.25 · 840
    expect(zeros(prune.parameters(c.fc3)[0]!.mask)).toBe(3);
    expect(prune.parameters(c.fc3)[0]!.history).toEqual([{ method: 'l1_unstructured', count: 3 }]);
  });

  it('rounds half to even as torch: 0.25 of the 10 biases of fc3 prunes 2', () => {
    const { fc3 } = lenet();
    prune.l1Unstructured(fc3, 'bias', 0.25);
    expect(zeros(prune.parameters(fc3)[0]!.mask)).toBe(2);
  });

  it('iterates with torch\'s container semantics: 30% then 50% is 65%', () => {
    const { model, fc1 } = lenet();
    const before = valuesOf(model, 'fc1/kernel');
    prune.l1Unstructured(fc1, 'kernel', 0.3);
    prune.l1Unstructured(fc1, 'kernel', 0.5);
    const [p] = prune.parameters(fc1);
    expect(zeros(p!.mask)).toBe(0.65 * 48000);
    expect(p!.history).toEqual([
      { method: 'l1_unstructured', amount: 0.3 },
      { method: 'l1_unstructured', amount: 0.5 },
    ]);
    expect(valuesOf(model, 'fc1/kernel')).toEqual(masked(before, p!.mask));
  });

  it('counts the second amount over what is still unpruned on an odd size (16 then round(0.5 · 38) = 19)', () => {
    const { conv1 } = lenet();
    prune.l1Unstructured(conv1, 'kernel', 0.3);
    prune.l1Unstructured(conv1, 'kernel', 0.5);
    expect(zeros(prune.parameters(conv1)[0]!.mask)).toBe(35);
  });

  it('reads the variable again before pruning again (training moved the kept entries)', () => {
    const { model, fc2 } = lenet();
    prune.l1Unstructured(fc2, 'kernel', 0.5);
    const first = prune.parameters(fc2)[0]!;
    // Stand-in for a training step that respected the mask: kept entries moved, pruned stay 0.
    const trained = valuesOf(model, 'fc2/kernel').map((v, i) => (first.mask[i] === 0 ? 0 : v * 3));
    const variable = fc2.weights.find((w) => w.originalName === 'fc2/kernel')!;
    tf.tidy(() => {
      variable.write(tf.tensor(trained, variable.shape as number[]));
    });

    const refreshed = prune.parameters(fc2)[0]!;
    expect(refreshed.values).toEqual(trained);

    prune.l1Unstructured(fc2, 'kernel', 0.5);
    const second = prune.parameters(fc2)[0]!;
    const fresh = core.l1Unstructured({ amount: 0.5 });
    const expected = core.composeMask(fresh, refreshed.values, first.mask, [120, 84], 'fc2/kernel');
    expect(second.mask).toEqual(expected);
    expect(valuesOf(model, 'fc2/kernel')).toEqual(masked(trained, second.mask));
  });

  it('ranks by importance scores when given (Float32Array or tf.Tensor, TF.js layout)', () => {
    const a = lenet();
    const b = lenet();
    // Scores that reverse the ranking: the largest |w| go first.
    const scores = valuesOf(a.model, 'fc3/kernel').map((v) => 1 / (Math.abs(v) + 1e-3));
    prune.l1Unstructured(a.fc3, 'kernel', { amount: 0.4, importance: scores });
    const t = tf.tensor(scores, [84, 10]);
    prune.l1Unstructured(b.fc3, 'kernel', { amount: 0.4, importance: t });
    t.dispose();
    const mask = prune.parameters(a.fc3)[0]!.mask;
    expect(prune.parameters(b.fc3)[0]!.mask).toEqual(mask);
    const w = valuesOf(a.model, 'fc3/kernel');
    const before = lenet().model;
    const original = valuesOf(before, 'fc3/kernel');
    const maxKept = Math.max(...original.filter((_, i) => mask[i] !== 0).map(Math.abs));
    const minPruned = Math.min(...original.filter((_, i) => mask[i] === 0).map(Math.abs));
    expect(minPruned).toBeGreaterThan(maxKept);
    expect(zeros(w)).toBe(336);
  });
});

describe('prune.randomUnstructured on a layer', () => {
  it('prunes the exact count, the same entries for the same seed, others for another seed', () => {
    const masks = [1, 1, 2].map((seed) => {
      const { fc2 } = lenet();
      prune.randomUnstructured(fc2, 'kernel', { amount: 0.3, seed });
      return prune.parameters(fc2)[0]!.mask;
    });
    expect(masks.map(zeros)).toEqual([3024, 3024, 3024]); // 0.3 · 10080
    expect(masks[1]).toEqual(masks[0]);
    expect(masks[2]).not.toEqual(masks[0]);
  });

  it('composes with an earlier mask: random 50% after l1 30% prunes only unpruned entries', () => {
    const { fc1 } = lenet();
    prune.l1Unstructured(fc1, 'kernel', 0.3);
    const first = prune.parameters(fc1)[0]!.mask;
    prune.randomUnstructured(fc1, 'kernel', { amount: 0.5, seed: 4 });
    const second = prune.parameters(fc1)[0]!.mask;
    expect(zeros(second)).toBe(31200);
    expect(first.every((v, i) => v !== 0 || second[i] === 0)).toBe(true);
  });
});

describe('no tensor leaks', () => {
  it('leaves tf.memory() as it found it through every call', () => {
    const { model, conv1, conv2, fc1, fc3 } = lenet();
    expectNoTensorLeak(() => {
      prune.l1Unstructured(conv1, 'kernel', 0.3);
      prune.randomUnstructured(conv1, 'kernel', { amount: 0.2, seed: 1 });
      prune.lnStructured(conv2, 'kernel', { amount: 0.5, n: 2, axis: 'out' });
      prune.randomStructured(fc1, 'kernel', { amount: 0.5, axis: 'in', seed: 1 });
      prune.identity(fc3, 'bias');
      prune.customFromMask(fc3, 'kernel', new Uint8Array(840).fill(1));
      prune.globalUnstructured([[conv1, 'kernel'], [fc1, 'kernel']], { method: 'l1', amount: 0.2 });
      prune.parameters(model);
      prune.masksOf(model);
      prune.isPruned(model);
      prune.remove(fc3, 'bias');
    });
  });

  it('does not dispose or leak tensors given as importance or mask', () => {
    const { conv1 } = lenet();
    const scores = tf.ones([3, 3, 1, 6]);
    const mask = tf.ones([3, 3, 1, 6], 'int32');
    expectNoTensorLeak(() => {
      prune.l1Unstructured(conv1, 'kernel', { amount: 0.5, importance: scores });
      prune.customFromMask(conv1, 'kernel', mask);
    });
    expect(scores.isDisposed || mask.isDisposed).toBe(false);
    scores.dispose();
    mask.dispose();
  });
});
