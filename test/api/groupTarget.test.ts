/**
 * prune.channelGroupsToTarget on a model in memory, as a library user calls it: a residual model's
 * groups lose channels to a fraction of its parameters, every member masked; bad options, a kernel
 * without a removable group and a target the floors cannot give are PruneErrors with nothing pruned.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { prune } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { PruneError } from '../../src/errors.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** stem → block conv → add(stem, block) → GAP → logits: the stem and the block conv are one group. */
function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2], name: 'pixels' });
  const stem = tf.layers.conv2d({ name: 'stem', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  const block = tf.layers.conv2d({ name: 'block', filters: 8, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(stem) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([stem, block]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'logits', units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(PruneError);
    return (error as PruneError).code;
  }
  throw new Error('expected a PruneError');
}

describe('prune.channelGroupsToTarget', () => {
  it('removes whole channels of a residual group from both convs and the reader, to the target', () => {
    const model = residualModel();
    try {
      const outcome = prune.channelGroupsToTarget(model, { kernels: ['stem/kernel'], measure: 'params', fraction: 0.4, minChannels: 0.25 });
      const removed = outcome.removed.get('stem')!;
      expect(removed.length).toBeGreaterThan(0);
      expect(removed.length).toBeLessThanOrEqual(6);
      expect((outcome.dense - outcome.after) / outcome.dense).toBeGreaterThanOrEqual(0.4);
      expect(outcome.touched).toEqual(['stem/kernel', 'stem/bias', 'block/kernel', 'block/bias', 'logits/kernel']);
      const masks = prune.masksOf(model);
      const stemBias = masks.get('stem/bias')!.mask;
      const blockBias = masks.get('block/bias')!.mask;
      const logits = masks.get('logits/kernel')!.mask;
      for (const c of removed) {
        expect([stemBias[c], blockBias[c]]).toEqual([0, 0]);
        expect([...logits.slice(c * 3, c * 3 + 3)]).toEqual([0, 0, 0]);
      }
    } finally {
      model.dispose();
    }
  });

  it('refuses bad options, a kernel of the logits, and a target beyond the floors, pruning nothing', () => {
    const model = residualModel();
    try {
      expect(codeOf(() => prune.channelGroupsToTarget(model, { kernels: ['stem/kernel'], measure: 'params', fraction: 1.5, minChannels: 0.25 }))).toBe('PRUNE_OPTIONS_INVALID');
      expect(codeOf(() => prune.channelGroupsToTarget(model, { kernels: [], measure: 'macs', fraction: 0.5, minChannels: 0.25 }))).toBe('PRUNE_OPTIONS_INVALID');
      expect(codeOf(() => prune.channelGroupsToTarget(model, { kernels: ['logits/kernel'], measure: 'params', fraction: 0.1, minChannels: 0.25 }))).toBe('PRUNE_TARGETS_INVALID');
      expect(codeOf(() => prune.channelGroupsToTarget(model, { kernels: ['stem/kernel'], measure: 'macs', fraction: 0.9, minChannels: 0.5 }))).toBe('PRUNE_AMOUNT_TOO_LARGE');
      expect(prune.masksOf(model).names()).toEqual([]);
    } finally {
      model.dispose();
    }
  });
});
