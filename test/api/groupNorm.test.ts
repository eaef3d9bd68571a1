/**
 * prune.lnStructuredGroups on a model in memory: each selected kernel's channel group loses the
 * channels of smallest Ln norm over everything they own in the group (counted here by hand from
 * the weights, not from the group code), masked in every member so they output exactly zero;
 * a second call takes its amount from the channels left (torch's container); bad calls are
 * PruneErrors with nothing pruned.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { prune } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { PruneError } from '../../src/errors.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const C = 8;

/** stem → block conv → add(stem, block) → GAP → logits: stem and block are one group of 8 channels. */
function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [5, 5, 2], name: 'pixels' });
  const stem = tf.layers.conv2d({ name: 'stem', filters: C, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 11 }) }).apply(input) as tf.SymbolicTensor;
  const block = tf.layers.conv2d({ name: 'block', filters: C, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotNormal({ seed: 12 }) }).apply(stem) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([stem, block]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'logits', units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 13 }) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

function values(model: tf.LayersModel, name: string): Float32Array {
  return model.weights.find((w) => w.originalName === name)!.read().dataSync() as Float32Array;
}

/** Σ|w| per channel of everything the channel owns: stem's and block's filters, block's input slice, logits' row. */
function l1ByHand(model: tf.LayersModel): number[] {
  const stem = values(model, 'stem/kernel'); // [3, 3, 2, C]
  const block = values(model, 'block/kernel'); // [3, 3, C, C]
  const logits = values(model, 'logits/kernel'); // [C, 3]
  const sums = new Array<number>(C).fill(0);
  stem.forEach((v, i) => (sums[i % C]! += Math.abs(v)));
  block.forEach((v, i) => {
    sums[i % C]! += Math.abs(v); // block's output channel
    sums[Math.floor(i / C) % C]! += Math.abs(v); // block's input channel (the stem's, read)
  });
  logits.forEach((v, i) => (sums[Math.floor(i / 3)]! += Math.abs(v)));
  return sums;
}

function deadChannels(model: tf.LayersModel, name: string, axisSize: number, channels = C): number[] {
  const mask = prune.masksOf(model).get(name)?.mask;
  if (mask === undefined) return [];
  return Array.from({ length: channels }, (_, c) => c).filter((c) => {
    for (let i = 0; i < mask.length; i++) if (Math.floor(i / axisSize) % channels === c && mask[i] === 1) return false;
    return true;
  });
}

describe('prune.lnStructuredGroups', () => {
  it('removes the channels of smallest L1 norm over the whole group, from every member, and they output exactly zero', () => {
    const model = residualModel();
    try {
      const sums = l1ByHand(model);
      const expected = [...sums.keys()].sort((a, b) => sums[a]! - sums[b]!).slice(0, 2).sort((a, b) => a - b);
      const outcome = prune.lnStructuredGroups(model, { kernels: ['block/kernel'], amount: 0.25, n: 1 });
      expect(outcome.removed.get('stem')).toEqual(expected);
      expect([...outcome.touched].sort()).toEqual(['block/bias', 'block/kernel', 'logits/kernel', 'stem/bias', 'stem/kernel']);
      expect(deadChannels(model, 'stem/kernel', 1)).toEqual(expected);
      expect(deadChannels(model, 'block/kernel', 1)).toEqual(expected);
      expect(deadChannels(model, 'block/bias', 1)).toEqual(expected);
      expect(deadChannels(model, 'logits/kernel', 3)).toEqual(expected);
      // block's input slices too: every entry [.., c, ..] of a removed c.
      const blockMask = prune.masksOf(model).get('block/kernel')!.mask;
      for (let i = 0; i < blockMask.length; i++) if (expected.includes(Math.floor(i / C) % C)) expect(blockMask[i]).toBe(0);
      const add = model.getLayer('sum');
      const probe = tf.model({ inputs: model.inputs, outputs: add.output });
      const out = tf.tidy(() => (probe.predict(tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 5)) as tf.Tensor).dataSync());
      expect(out.filter((_, i) => expected.includes(i % C)).every((v) => v === 0)).toBe(true);
      expect(out.filter((_, i) => !expected.includes(i % C)).some((v) => v !== 0)).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('takes a second amount from the channels still unpruned, as torch iterates, and ranks by n', () => {
    const model = residualModel();
    try {
      prune.lnStructuredGroups(model, { kernels: ['stem/kernel'], count: 2, n: 'inf' });
      const after = prune.lnStructuredGroups(model, { kernels: ['stem/kernel'], amount: 0.5, n: 2 });
      // 0.5 of the 6 left is 3 more: 5 of 8 gone, none removed twice.
      expect(after.removed.get('stem')).toHaveLength(3);
      expect(deadChannels(model, 'stem/kernel', 1)).toHaveLength(5);
    } finally {
      model.dispose();
    }
  });

  it('refuses, pruning nothing, a kernel whose channels are the output, a count above the group, and a bad norm', () => {
    const model = residualModel();
    try {
      const codeOf = (work: () => unknown) => {
        try {
          work();
        } catch (error) {
          expect(error).toBeInstanceOf(PruneError);
          return `${(error as PruneError).code}: ${(error as PruneError).message}`;
        }
        throw new Error('expected a PruneError');
      };
      expect(codeOf(() => prune.lnStructuredGroups(model, { kernels: ['logits/kernel'], amount: 0.5, n: 2 }))).toMatch(/^PRUNE_TARGETS_INVALID: .*logits\/kernel.*output/);
      expect(codeOf(() => prune.lnStructuredGroups(model, { kernels: ['stem/kernel'], count: 9, n: 2 }))).toMatch(/^PRUNE_AMOUNT_TOO_LARGE: .*group stem.*9/);
      expect(codeOf(() => prune.lnStructuredGroups(model, { kernels: ['stem/kernel'], amount: 0.5, n: 'nuc' }))).toMatch(/^PRUNE_OPTIONS_INVALID: .*nuc/);
      expect(prune.masksOf(model).names()).toEqual([]);
    } finally {
      model.dispose();
    }
  });
});
