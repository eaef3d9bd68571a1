/**
 * The model.json build check (engine/modelCheck.ts) refuses what it refused, and leaves nothing
 * behind: the TF.js backend active before it (none, as in the CLI before selectBackend; wasm;
 * cpu chosen by name) is the one active after, Layer.prototype.addWeight is TF.js's own, and no
 * tensor is left. Tests run in order and share one process: the first runs before any backend is
 * chosen.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { modelBuildProblem } from '../../src/engine/modelCheck.js';
import type { WeightSpecJson } from '../../src/models/modelFolder.js';

/** A Sequential model of one Dense layer "fc" with 4 inputs and `units` outputs (bias included). */
function dense(units = 2, className = 'Dense'): Record<string, unknown> {
  const layer = { class_name: className, config: { name: 'fc', units, activation: 'linear', use_bias: true, batch_input_shape: [null, 4], dtype: 'float32' } };
  return { class_name: 'Sequential', config: { name: 'net', layers: [layer] }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}

const spec = (name: string, shape: number[]): WeightSpecJson => ({ name, shape, dtype: 'float32' });
const DENSE_SPECS = [spec('fc/kernel', [4, 2]), spec('fc/bias', [2])];

/** The check's answers for a good model and for each kind of bad one; what every backend state below must still give. */
async function expectAnswers(): Promise<void> {
  expect(await modelBuildProblem(dense(), DENSE_SPECS)).toBeNull();
  expect(await modelBuildProblem(dense(), [spec('fc/kernel', [4, 2])])).toBe(
    'has a layer "fc" that makes a weight "bias" of shape [2], which its weightsManifest does not list',
  );
  expect(await modelBuildProblem(dense(), [spec('fc/kernel', [2, 4]), spec('fc/bias', [2])])).toBe(
    'lists weight "fc/kernel" as [2, 4], but its layer "fc" makes it [4, 2]',
  );
  expect(await modelBuildProblem(dense(50_000_000), DENSE_SPECS)).toBe('lists weight "fc/kernel" as [4, 2], but its layer "fc" makes it [4, 50000000]');
  expect(await modelBuildProblem(dense(), [...DENSE_SPECS, spec('ghost/kernel', [1])])).toBe('lists weight "ghost/kernel", which no layer of the model has');
  expect(await modelBuildProblem(dense(2, 'FooBar'), DENSE_SPECS)).toMatch(/^cannot be built by TF\.js: .*FooBar/);
}

/** Layer.prototype.addWeight (protected in TF.js's types), which the check patches while it builds. */
const addWeight = () => (tf.layers.Layer.prototype as unknown as { addWeight: unknown }).addWeight;
const tfjsAddWeight = addWeight();

describe('the model.json build check', () => {
  it('with no backend chosen yet, leaves none chosen: a later op fails loudly instead of running on cpu', async () => {
    expect(tf.getBackend()).toBeUndefined(); // nothing before this test chose one
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
    try {
      await expectAnswers();
    } finally {
      console.warn = warn;
    }
    // The cpu backend's banner (install tfjs-node) is not for a user who did not choose cpu.
    expect(warnings.filter((w) => /TensorFlow\.js in Node\.js/.test(w))).toEqual([]);
    expect(tf.getBackend() ?? undefined).toBeUndefined();
    // tf.memory() needs a backend; the engine's own count does not.
    expect(tf.engine().state.numTensors).toBe(0);
    expect(addWeight()).toBe(tfjsAddWeight);
    // As without the check: wasm (registered by select.ts) outranks cpu and is not initialised yet.
    expect(() => tf.zeros([1])).toThrow(/not yet been initialized/);
    // The cpu backend is still there for `--backend cpu`.
    expect(tf.findBackendFactory('cpu')).not.toBeNull();
  });

  it('with wasm selected, leaves wasm active and no tensor behind, including after a check that threw', async () => {
    await selectBackend('wasm');
    const tensors = tf.memory().numTensors;
    await expectAnswers();
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(addWeight()).toBe(tfjsAddWeight);
  });

  it('answers checks made at once each on its own, and leaves the backend as it was', async () => {
    const answers = await Promise.all([
      modelBuildProblem(dense(), DENSE_SPECS),
      modelBuildProblem(dense(), [spec('fc/kernel', [4, 2])]),
      modelBuildProblem(dense(3), [spec('fc/kernel', [4, 3]), spec('fc/bias', [3])]),
      modelBuildProblem(dense(2, 'FooBar'), DENSE_SPECS),
    ]);
    expect(answers).toEqual([null, expect.stringMatching(/^has a layer "fc" that makes a weight "bias"/), null, expect.stringMatching(/^cannot be built by TF\.js: .*FooBar/)]);
    expect(tf.getBackend()).toBe('wasm');
    expect(addWeight()).toBe(tfjsAddWeight);
  });

  it('with cpu chosen by name, leaves cpu active', async () => {
    await selectBackend('cpu');
    const tensors = tf.memory().numTensors;
    await expectAnswers();
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
