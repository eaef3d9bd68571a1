/**
 * The runner's entry (pruneByName + masksOf): the same implementation as prune.*, addressed by
 * weight name with a core PruningMethod, and a MaskSet the engine can export and enforce.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { masksOf, pruneByName, removeByName, type MethodTarget } from '../../src/api/index.js';
import { MaskBinding } from '../../src/engine/maskBinding.js';
import { prune } from '../../src/index.js';
import * as core from '../../src/prune/index.js';
import { createMethod, type MethodSpec } from '../../src/methods/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { expectNoTensorLeak } from '../helpers/tensors.js';
import { errorOf, KERNELS, lenet, masked, useWasm, valuesOf, zeros } from './helpers.js';

useWasm();

describe('pruneByName', () => {
  it('local: the same masks as prune.l1Unstructured on each layer', () => {
    const a = lenet();
    const b = lenet();
    pruneByName(a.model, ['conv2/kernel', 'fc1/kernel'], core.l1Unstructured({ amount: 0.3 }), { scope: 'local' });
    prune.l1Unstructured(b.conv2, 'kernel', 0.3);
    prune.l1Unstructured(b.fc1, 'kernel', 0.3);
    expect(prune.parameters(a.model)).toEqual(prune.parameters(b.model));
    expect(valuesOf(a.model, 'fc1/kernel')).toEqual(valuesOf(b.model, 'fc1/kernel'));
  });

  it('global: the same as prune.globalUnstructured, and as the core on a MaskSet read from the weights', () => {
    const a = lenet();
    const b = lenet();
    const reference = new core.MaskSet();
    const states = KERNELS.map((name) => reference.track(name, shapeOf(a.model, name), valuesOf(a.model, name)));
    core.pruneGlobal(states, core.l1Unstructured({ amount: 0.2 }));

    pruneByName(a.model, KERNELS, core.l1Unstructured({ amount: 0.2 }), { scope: 'global' });
    prune.globalUnstructured(
      [b.conv1, b.conv2, b.fc1, b.fc2, b.fc3].map((layer) => [layer, 'kernel'] as const),
      { method: 'l1', amount: 0.2 },
    );
    expect(prune.parameters(a.model)).toEqual(prune.parameters(b.model));
    for (const name of KERNELS) {
      expect(masksOf(a.model).get(name)!.mask).toEqual(reference.get(name)!.mask);
      expect(valuesOf(a.model, name)).toEqual(reference.effective(name));
    }
  });

  it('local with a random method runs one generator on from parameter to parameter, as the plan seeds a group', () => {
    const { model } = lenet();
    pruneByName(model, ['fc2/kernel', 'fc3/kernel'], core.randomUnstructured({ amount: 0.5 }, new SeededRandom(9)), { scope: 'local' });
    const reference = new core.MaskSet();
    const method = core.randomUnstructured({ amount: 0.5 }, new SeededRandom(9));
    const ref = lenet();
    for (const name of ['fc2/kernel', 'fc3/kernel']) {
      core.pruneParameter(reference.track(name, shapeOf(ref.model, name), valuesOf(ref.model, name)), method);
      expect(masksOf(model).get(name)!.mask).toEqual(reference.get(name)!.mask);
    }
  });

  it('takes a factory, as the runner builds methods from a plan\'s spec: per parameter (layout, shape, own seed) or once for the pool', () => {
    const { model, conv2, fc1 } = lenet();
    const seen: MethodTarget[] = [];
    const spec: MethodSpec = { method: 'ln_structured', amount: { amount: 0.5 }, n: 2, axis: { kind: 'meaning', value: 'out' } };
    pruneByName(
      model,
      ['conv2/kernel', 'fc1/kernel'],
      (p) => {
        seen.push(p);
        return createMethod(spec, { seed: SeededRandom.derive(3, p.name).nextSeed(), layout: p.layout, shape: p.shape, paramName: p.name });
      },
      { scope: 'local' },
    );
    expect(seen).toEqual([
      { name: 'conv2/kernel', shape: [3, 3, 6, 16], layout: 'conv2d' },
      { name: 'fc1/kernel', shape: [400, 120], layout: 'dense' },
    ]);
    // The same masks and history as the library calls.
    const ref = lenet();
    prune.lnStructured(ref.conv2, 'kernel', { amount: 0.5, n: 2, axis: 'out' });
    prune.lnStructured(ref.fc1, 'kernel', { amount: 0.5, n: 2, axis: 'out' });
    expect(prune.parameters(conv2)).toEqual(prune.parameters(ref.conv2));
    expect(prune.parameters(fc1)).toEqual(prune.parameters(ref.fc1));

    const pools: MethodTarget[] = [];
    pruneByName(model, ['conv2/kernel', 'fc1/kernel'], (p) => {
      pools.push(p);
      return createMethod({ method: 'l1_unstructured', amount: { amount: 0.1 } }, { seed: 0, layout: p.layout, shape: p.shape });
    }, { scope: 'global' });
    expect(pools).toEqual([{ name: 'conv2/kernel, fc1/kernel', shape: [864 + 48000], layout: null }]);
  });

  it('local is all or nothing too: a failure on the second parameter leaves the first untouched', () => {
    const { model } = lenet();
    const before = valuesOf(model, 'conv1/kernel');
    const e = errorOf(() => pruneByName(model, ['conv1/kernel', 'conv1/bias'], core.l1Unstructured({ count: 10 }), { scope: 'local' }));
    expect(e.code).toBe('PRUNE_AMOUNT_TOO_LARGE');
    expect(prune.isPruned(model)).toBe(false);
    expect(valuesOf(model, 'conv1/kernel')).toEqual(before);
  });

  it('takes importance scores by weight name', () => {
    const { model } = lenet();
    const scores = valuesOf(model, 'fc3/kernel').map((v) => -Math.abs(v)); // |−|w|| ranks as |w|
    const reversed = scores.map((v, i) => (i < 420 ? 0 : v)); // the first 420 score 0: pruned first
    pruneByName(model, ['fc3/kernel'], core.l1Unstructured({ count: 420 }), {
      scope: 'local',
      importance: new Map([['fc3/kernel', reversed]]),
    });
    const mask = masksOf(model).get('fc3/kernel')!.mask;
    expect(mask.slice(0, 420).every((v) => v === 0)).toBe(true);
    expect(zeros(mask)).toBe(420);
  });

  it('refuses unknown names listing the model\'s weights, stray importance, duplicates and an unknown scope', () => {
    const { model } = lenet();
    const l1 = core.l1Unstructured({ amount: 0.2 });
    const unknown = errorOf(() => pruneByName(model, ['conv1/weight'], l1, { scope: 'local' }));
    expect(unknown.code).toBe('PRUNE_UNKNOWN_PARAMETER');
    expect(unknown.message).toContain("model 'lenet' has no weight 'conv1/weight'; its weights: conv1/kernel, conv1/bias, conv2/kernel");
    const stray = errorOf(() =>
      pruneByName(model, ['conv1/kernel'], l1, { scope: 'local', importance: new Map([['fc1/kernel', new Float32Array(48000)]]) }),
    );
    expect(stray.code).toBe('PRUNE_UNKNOWN_PARAMETER');
    expect(errorOf(() => pruneByName(model, ['fc1/bias', 'fc1/bias'], l1, { scope: 'local' })).code).toBe('PRUNE_TARGETS_INVALID');
    expect(errorOf(() => pruneByName(model, [], l1, { scope: 'local' })).code).toBe('PRUNE_TARGETS_INVALID');
    expect(errorOf(() => pruneByName(model, ['fc1/bias'], l1, { scope: 'both' as 'local' })).code).toBe('PRUNE_OPTIONS_INVALID');
    expect(prune.isPruned(model)).toBe(false);
  });
});

describe('removeByName', () => {
  it('is prune.remove by weight name', () => {
    const { model } = lenet();
    pruneByName(model, ['fc2/kernel'], core.l1Unstructured({ amount: 0.5 }), { scope: 'local' });
    const mask = masksOf(model).get('fc2/kernel')!.mask;
    removeByName(model, 'fc2/kernel');
    expect(prune.isPruned(model)).toBe(false);
    expect(zeros(valuesOf(model, 'fc2/kernel'))).toBe(zeros(mask));
    expect(errorOf(() => removeByName(model, 'fc2/kernel')).code).toBe('PRUNE_NOT_PRUNED');
    expect(errorOf(() => removeByName(model, 'fc9/kernel')).code).toBe('PRUNE_UNKNOWN_PARAMETER');
  });
});

describe('masksOf as the runner uses it', () => {
  it('is what MaskBinding enforces during training: pruned entries go back to zero after a step', () => {
    const { model } = lenet();
    pruneByName(model, ['fc1/kernel', 'conv2/kernel'], core.l1Unstructured({ amount: 0.5 }), { scope: 'global' });
    const masks = masksOf(model);
    expectNoTensorLeak(() => {
      const binding = MaskBinding.fromMaskSet(model, masks);
      expect(binding.size).toBe(2);
      // A stand-in for an optimizer step that moves every entry.
      const variable = model.getLayer('fc1').weights[0]!;
      tf.tidy(() => {
        variable.write(tf.add(variable.read(), 1));
      });
      binding.enforce();
      binding.dispose();
    });
    const mask = masks.get('fc1/kernel')!.mask;
    expect(zeros(valuesOf(model, 'fc1/kernel'))).toBe(zeros(mask));
    // The next prune reads those trained values.
    const trained = valuesOf(model, 'fc1/kernel');
    expect(masksOf(model).get('fc1/kernel')!.values.filter((_, i) => mask[i] !== 0)).toEqual(trained.filter((_, i) => mask[i] !== 0));
    expect(masksOf(model).effective('fc1/kernel')).toEqual(masked(trained, mask));
  });

  it('is empty for a fresh model, and a new model starts with no masks', () => {
    const { model } = lenet();
    pruneByName(model, ['fc1/kernel'], core.l1Unstructured({ amount: 0.5 }), { scope: 'local' });
    expect(masksOf(lenet().model).names()).toEqual([]);
  });
});

function shapeOf(model: tf.LayersModel, name: string): number[] {
  return model.weights.find((w) => w.originalName === name)!.read().shape;
}
