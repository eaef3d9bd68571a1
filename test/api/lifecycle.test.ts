import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MaskSet, prune } from '../../src/index.js';
import { errorOf, lenet, masked, useWasm, valuesOf, zeros } from './helpers.js';

useWasm();

describe('prune.isPruned', () => {
  it('is false for a fresh model and layer, true once any parameter is pruned (identity included)', () => {
    const { model, conv1, fc1 } = lenet();
    expect(prune.isPruned(model)).toBe(false);
    expect(prune.isPruned(conv1)).toBe(false);
    prune.identity(conv1, 'bias');
    expect(prune.isPruned(conv1)).toBe(true);
    expect(prune.isPruned(model)).toBe(true);
    expect(prune.isPruned(fc1)).toBe(false);
  });

  it('looks into nested models', () => {
    const { model, fc2 } = lenet();
    const outer = tf.sequential({ layers: [model] });
    prune.l1Unstructured(fc2, 'kernel', 0.1);
    expect(prune.isPruned(outer)).toBe(true);
    expect(prune.parameters(outer).map((p) => p.name)).toEqual(['fc2/kernel']);
  });
});

describe('prune.identity', () => {
  it('tracks the parameter with a mask of ones and changes no weight', () => {
    const { model, conv1 } = lenet();
    const before = valuesOf(model, 'conv1/bias');
    prune.identity(conv1, 'bias');
    const [p] = prune.parameters(conv1);
    expect(p!.mask).toEqual(new Uint8Array(6).fill(1));
    expect(p!.history).toEqual([{ method: 'identity' }]);
    expect(valuesOf(model, 'conv1/bias')).toEqual(before);
  });
});

describe('prune.parameters (torch\'s named_parameters / named_buffers / hooks)', () => {
  it('lists each pruned parameter with name, layer, param, shape, values, mask and history, in model order', () => {
    const { model, conv1, fc1 } = lenet();
    prune.l1Unstructured(fc1, 'kernel', 0.2);
    prune.randomUnstructured(conv1, 'kernel', { amount: 0.3, seed: 1 });
    prune.l1Unstructured(conv1, 'bias', { count: 3 });
    const params = prune.parameters(model);
    expect(params.map((p) => [p.name, p.layer, p.param, p.shape])).toEqual([
      ['conv1/kernel', 'conv1', 'kernel', [3, 3, 1, 6]],
      ['conv1/bias', 'conv1', 'bias', [6]],
      ['fc1/kernel', 'fc1', 'kernel', [400, 120]],
    ]);
    for (const p of params) {
      expect(p.values).toBeInstanceOf(Float32Array);
      expect(p.mask).toBeInstanceOf(Uint8Array);
      expect(p.values.length).toBe(p.mask.length);
    }
    expect(params[1]!.history).toEqual([{ method: 'l1_unstructured', count: 3 }]);
    expect(prune.parameters(conv1).map((p) => p.name)).toEqual(['conv1/kernel', 'conv1/bias']);
  });

  it('hands out copies: changing them changes no pruning', () => {
    const { model, fc3 } = lenet();
    prune.l1Unstructured(fc3, 'kernel', 0.5);
    const p = prune.parameters(model)[0]!;
    p.mask.fill(1);
    p.values.fill(0);
    (p.history as unknown[]).length = 0;
    const again = prune.parameters(model)[0]!;
    expect(zeros(again.mask)).toBe(420);
    expect(again.history).toHaveLength(1);
    expect(zeros(again.values)).toBe(420); // zero only where pruned: the fill(0) reached nothing
  });
});

describe('prune.masksOf', () => {
  it('is a MaskSet keyed by weight name with the masks, originals and histories of the model', () => {
    const { model, conv2, fc1 } = lenet();
    prune.l1Unstructured(conv2, 'kernel', 0.3);
    prune.lnStructured(fc1, 'kernel', { amount: 0.5, n: 1, axis: 'out' });
    const masks = prune.masksOf(model);
    expect(masks).toBeInstanceOf(MaskSet);
    expect(masks.names()).toEqual(['conv2/kernel', 'fc1/kernel']);
    expect(masks.sparsity('fc1/kernel').sparsity).toBe(0.5);
    expect(masks.get('conv2/kernel')!.mask).toEqual(prune.parameters(conv2)[0]!.mask);
    expect(masks.get('fc1/kernel')!.history).toEqual([{ method: 'ln_structured', amount: 0.5, n: 1, axis: 1, torch_dim: 0, channels: 'out' }]);
    expect(masks.effective('conv2/kernel')).toEqual(valuesOf(model, 'conv2/kernel'));
  });

  it('is a snapshot: later pruning shows in the next call, not in the old set', () => {
    const { model, fc3 } = lenet();
    prune.l1Unstructured(fc3, 'kernel', 0.2);
    const old = prune.masksOf(model);
    prune.l1Unstructured(fc3, 'kernel', 0.5);
    expect(old.sparsity('fc3/kernel').zeros).toBe(168);
    expect(prune.masksOf(model).sparsity('fc3/kernel').zeros).toBe(168 + 336);
  });
});

describe('prune.remove', () => {
  it('keeps values × mask in the variable (with trained kept values) and drops mask and history', () => {
    const { model, conv1 } = lenet();
    prune.l1Unstructured(conv1, 'kernel', 0.5);
    const { mask } = prune.parameters(conv1)[0]!;
    const variable = conv1.weights.find((w) => w.originalName === 'conv1/kernel')!;
    // A "training step" that revived the pruned entries (no mask enforcement) and moved the rest.
    const trained = valuesOf(model, 'conv1/kernel').map((v, i) => (mask[i] === 0 ? 9 : v + 1));
    tf.tidy(() => {
      variable.write(tf.tensor(trained, [3, 3, 1, 6]));
    });
    expect(prune.remove(conv1, 'kernel')).toBe(conv1);
    expect(valuesOf(model, 'conv1/kernel')).toEqual(masked(trained, mask));
    expect(prune.isPruned(model)).toBe(false);
    expect(prune.parameters(model)).toEqual([]);
    // Pruning again starts afresh, from the permanent zeros.
    prune.l1Unstructured(conv1, 'kernel', { count: 1 });
    expect(prune.parameters(conv1)[0]!.history).toHaveLength(1);
  });

  it('refuses a parameter that is not pruned, naming what is', () => {
    const { conv1 } = lenet();
    prune.l1Unstructured(conv1, 'kernel', 0.5);
    const e = errorOf(() => prune.remove(conv1, 'bias'));
    expect(e.code).toBe('PRUNE_NOT_PRUNED');
    expect(e.message).toBe("'conv1/bias' is not pruned, so there is no pruning to remove (pruned in layer 'conv1': kernel)");
  });
});

describe('prune.customFromMask', () => {
  it('multiplies a Uint8Array or a tensor mask (TF.js layout) into the current mask', () => {
    const { model, fc3 } = lenet();
    const before = valuesOf(model, 'fc3/kernel');
    const mask = new Uint8Array(840).map((_, i) => (i % 3 === 0 ? 0 : 1));
    prune.customFromMask(fc3, 'kernel', mask);
    const t = tf.tensor(new Uint8Array(840).map((_, i) => (i % 2 === 0 ? 0 : 1)), [84, 10], 'int32');
    prune.customFromMask(fc3, 'kernel', t);
    t.dispose();
    const p = prune.parameters(fc3)[0]!;
    expect(p.mask).toEqual(new Uint8Array(840).map((_, i) => (i % 3 === 0 || i % 2 === 0 ? 0 : 1)));
    expect(valuesOf(model, 'fc3/kernel')).toEqual(masked(before, p.mask));
    expect(p.history).toEqual([
      { method: 'custom_from_mask', size: 840, pruned: 280 },
      { method: 'custom_from_mask', size: 840, pruned: 420 },
    ]);
  });

  it('refuses a wrong size, a torch-layout tensor and values other than 0/1, and changes nothing', () => {
    const { model, conv1 } = lenet();
    const before = valuesOf(model, 'conv1/kernel');
    const short = errorOf(() => prune.customFromMask(conv1, 'kernel', new Uint8Array(50)));
    expect(short.code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(short.message).toContain('has 50 entries, the parameter 54');
    const torchLayout = tf.ones([6, 1, 3, 3]);
    const wrongShape = errorOf(() => prune.customFromMask(conv1, 'kernel', torchLayout));
    torchLayout.dispose();
    expect(wrongShape.code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(wrongShape.message).toContain('shape [6, 1, 3, 3], the parameter [3, 3, 1, 6]');
    expect(wrongShape.message).toContain('torchToTfjs');
    const twos = new Uint8Array(54).fill(1);
    twos[7] = 2;
    const bad = errorOf(() => prune.customFromMask(conv1, 'kernel', twos));
    expect(bad.code).toBe('PRUNE_MASK_INVALID');
    expect(bad.message).toBe("custom_from_mask of 'conv1/kernel' [3, 3, 1, 6]: the mask must hold only 0 (pruned) and 1 (kept); entry 7 is 2");
    const half = tf.fill([3, 3, 1, 6], 0.5);
    expect(errorOf(() => prune.customFromMask(conv1, 'kernel', half)).code).toBe('PRUNE_MASK_INVALID');
    half.dispose();
    expect(prune.isPruned(model)).toBe(false);
    expect(valuesOf(model, 'conv1/kernel')).toEqual(before);
  });
});
