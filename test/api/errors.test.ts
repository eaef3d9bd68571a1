import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, PRUNE_ERROR_CODES, prune, PruneError, PruneRunError } from '../../src/index.js';
import { errorOf, lenet, useWasm, valuesOf } from './helpers.js';

useWasm();

/** Casts for calls a JavaScript user can make and TypeScript would refuse. */
const loose = <T>(value: unknown) => value as T;

describe('PruneError messages of the layer API', () => {
  it('an unknown parameter lists the layer\'s parameters', () => {
    const { conv1 } = lenet();
    const e = errorOf(() => prune.l1Unstructured(conv1, 'weight', 0.3));
    expect(e).toBeInstanceOf(PruneRunError);
    expect(e.code).toBe('PRUNE_UNKNOWN_PARAMETER');
    expect(e.message).toBe("layer 'conv1' (Conv2D) has no parameter 'weight'; its parameters: kernel, bias");
    const pool = lenet().model.getLayer('pool1');
    expect(errorOf(() => prune.identity(pool, 'kernel')).message).toBe(
      "layer 'pool1' (MaxPooling2D) has no parameter 'kernel'; it has no parameters (is it built?)",
    );
  });

  it('a model or a non-layer where one layer is expected', () => {
    const { model } = lenet();
    const e = errorOf(() => prune.l1Unstructured(model, 'kernel', 0.3));
    expect(e.code).toBe('PRUNE_NOT_A_LAYER');
    expect(e.message).toContain("model.getLayer('conv1')");
    expect(errorOf(() => prune.isPruned(loose<tf.layers.Layer>({ name: 'x' }))).code).toBe('PRUNE_NOT_A_LAYER');
  });

  it('amounts: out of range, an integer amount (suggests count), too many, both keys', () => {
    const { conv1 } = lenet();
    expect(errorOf(() => prune.l1Unstructured(conv1, 'kernel', 1.5)).message).toBe(
      "l1_unstructured of 'conv1/kernel' [3, 3, 1, 6]: amount=1.5 must be a fraction in [0, 1]",
    );
    const integer = errorOf(() => prune.l1Unstructured(conv1, 'kernel', 3));
    expect(integer.code).toBe('PRUNE_AMOUNT_INVALID');
    expect(integer.message).toContain('(for a number of entries use count: 3)');
    const tooMany = errorOf(() => prune.l1Unstructured(conv1, 'kernel', { count: 60 }));
    expect(tooMany.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(tooMany.message).toBe(
      "'conv1/kernel' (54 prunable entries): count=60 asks for 60 entries but only 54 entries can be pruned",
    );
    const both = errorOf(() => prune.l1Unstructured(conv1, 'kernel', loose({ amount: 0.1, count: 1 })));
    expect(both.code).toBe('PRUNE_AMOUNT_INVALID');
    expect(both.message).toContain('give exactly one of amount');
  });

  it('random methods need an integer seed', () => {
    const { conv1 } = lenet();
    const e = errorOf(() => prune.randomUnstructured(conv1, 'kernel', loose({ amount: 0.3 })));
    expect(e.code).toBe('PRUNE_OPTIONS_INVALID');
    expect(e.message).toContain('seed must be an integer');
    expect(errorOf(() => prune.randomStructured(conv1, 'kernel', loose({ amount: 0.3, axis: 'out', seed: 0.5 }))).code).toBe(
      'PRUNE_OPTIONS_INVALID',
    );
  });

  it('an unsupported norm order', () => {
    const { conv1 } = lenet();
    const e = errorOf(() => prune.lnStructured(conv1, 'kernel', loose({ amount: 0.5, n: 'nuc', axis: 'out' })));
    expect(e.code).toBe('PRUNE_NORM_INVALID');
    expect(e.message).toContain("'conv1/kernel': n=nuc needs exactly 2 reduced dims");
    expect(errorOf(() => prune.lnStructured(conv1, 'kernel', { amount: 0.5, n: -1, axis: 'out' })).code).toBe('PRUNE_NORM_INVALID');
  });

  it('importance of the wrong size', () => {
    const { conv1 } = lenet();
    const e = errorOf(() => prune.l1Unstructured(conv1, 'kernel', { amount: 0.5, importance: new Float32Array(3) }));
    expect(e.code).toBe('PRUNE_SHAPE_MISMATCH');
    expect(e.message).toContain('the importance has 3 entries, the parameter 54');
  });

  it('global: an unknown method, the same parameter twice, no parameters', () => {
    const { conv1, fc1 } = lenet();
    const method = errorOf(() => prune.globalUnstructured([[conv1, 'kernel']], loose({ method: 'l2', amount: 0.2 })));
    expect(method.code).toBe('PRUNE_OPTIONS_INVALID');
    expect(method.message).toContain('is not one of l1, random');
    const twice = errorOf(() => prune.globalUnstructured([[fc1, 'kernel'], [fc1, 'kernel']], { method: 'l1', amount: 0.2 }));
    expect(twice.code).toBe('PRUNE_GLOBAL_INVALID');
    expect(twice.message).toBe("global pruning lists 'fc1/kernel' twice");
    expect(errorOf(() => prune.globalUnstructured([], { method: 'l1', amount: 0.2 })).code).toBe('PRUNE_GLOBAL_INVALID');
  });

  it('every code thrown is in one of the two published lists', () => {
    const known = new Set<string>([...PRUNE_ERROR_CODES, ...API_ERROR_CODES]);
    const { model, conv1 } = lenet();
    const cases = [
      () => prune.l1Unstructured(model, 'kernel', 0.3),
      () => prune.l1Unstructured(conv1, 'weight', 0.3),
      () => prune.lnStructured(conv1, 'bias', { amount: 0.5, n: 2, axis: 'out' }),
      () => prune.customFromMask(conv1, 'bias', new Uint8Array(6).fill(3)),
      () => prune.randomUnstructured(conv1, 'kernel', loose({ amount: 0.3 })),
      () => prune.remove(conv1, 'kernel'),
      () => prune.l1Unstructured(conv1, 'kernel', 2),
    ];
    for (const fn of cases) expect(known.has(errorOf(fn).code)).toBe(true);
  });
});

describe('a failing call changes nothing', () => {
  it('keeps mask, history and weights of an already-pruned parameter', () => {
    const { model, conv1 } = lenet();
    prune.l1Unstructured(conv1, 'kernel', 0.3);
    const before = prune.parameters(conv1)[0]!;
    const weights = valuesOf(model, 'conv1/kernel');
    const e = errorOf(() => prune.l1Unstructured(conv1, 'kernel', { count: 40 })); // 38 left
    expect(e.message).toContain("'conv1/kernel' (38 prunable entries)");
    expect(prune.parameters(conv1)[0]).toEqual(before);
    expect(valuesOf(model, 'conv1/kernel')).toEqual(weights);
  });

  it('a failed global step forgets the parameters it started tracking and restores the others', () => {
    const { model, conv1, fc3 } = lenet();
    prune.l1Unstructured(fc3, 'kernel', 0.5);
    const before = prune.parameters(model);
    expect(errorOf(() => prune.globalUnstructured([[conv1, 'kernel'], [fc3, 'kernel']], { method: 'l1', count: 1000 })).code).toBe(
      'PRUNE_AMOUNT_TOO_LARGE',
    );
    expect(prune.parameters(model)).toEqual(before);
    expect(prune.isPruned(conv1)).toBe(false);
  });

  it('is a PruneError, never an assertion', () => {
    const { conv1 } = lenet();
    expect(() => prune.l1Unstructured(conv1, 'kernel', Number.NaN)).toThrow(PruneError);
  });
});
