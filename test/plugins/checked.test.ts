/**
 * A plugin's masks through the core: torch's every-other example gives torch's result (every
 * other entry of the still-unpruned ones, also after an earlier pruning), options and the tensor's
 * shape and axis reach computeMask, and a bad mask (wrong length, a 2, a revived entry, not a
 * Uint8Array, a throw) is refused, naming the plugin, its file and the parameter, with nothing applied.
 */
import { describe, expect, it } from 'vitest';
import { PruneError } from '../../src/errors.js';
import { l1Unstructured, pruneParameter, randomUnstructured, type ParameterState } from '../../src/prune/index.js';
import type { PluginTensor, PruningPlugin } from '../../src/prune/plugin.js';
import { createMethod, type CustomMethodSpec, type MethodContext } from '../../src/methods/index.js';
import type { PluginReference } from '../../src/prune/spec.js';
import { SeededRandom } from '../../src/util/random.js';
import { state, tieFree } from '../prune/helpers.js';
import { everyOtherOfAlive } from './helpers.js';

const FILE = '/recipes/plugins/mine.js';

function specFor(plugin: PruningPlugin, extra: Partial<CustomMethodSpec> = {}): CustomMethodSpec {
  const reference: PluginReference = { file: FILE, sha256: 'f'.repeat(64), name: plugin.name, kind: plugin.kind };
  return { method: 'custom', module: 'plugins/mine.js', plugin: reference, options: {}, ...extra };
}

function apply(s: ParameterState, plugin: PruningPlugin, extra: Partial<CustomMethodSpec> = {}, layout: MethodContext['layout'] = null): void {
  const context: MethodContext = { seed: 0, layout, shape: s.shape, paramName: s.name, plugin };
  pruneParameter(s, createMethod(specFor(plugin, extra), context));
}

/**
 * The repository's recipes/plugins/every-other.ts, called in this thread: the core's side of a
 * plugin (a run calls it from the plugin's own thread, with the same masks: thread.test.ts).
 */
async function everyOther(): Promise<PruningPlugin> {
  return (await import('../../recipes/plugins/every-other.js')).default;
}

describe("torch's every-other plugin", () => {
  it('prunes entries 0, 2, 4, ... of a fresh parameter, as FooBarPruningMethod on the whole tensor', async () => {
    const s = state('fc3/bias', [10], tieFree(10));
    apply(s, await everyOther());
    expect([...s.mask]).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(s.history).toEqual([{ method: 'custom', plugin: 'every_other', kind: 'unstructured', module: 'plugins/mine.js' }]);
  });

  it('after an earlier pruning, prunes every other of the still-unpruned entries (torch\'s container)', async () => {
    const plugin = await everyOther();
    for (const seed of [1, 2, 3]) {
      const s = state('fc2/kernel', [12, 7], tieFree(84, seed));
      pruneParameter(s, seed === 1 ? l1Unstructured({ amount: 0.3 }) : randomUnstructured({ amount: 0.45 }, new SeededRandom(seed)));
      const before = Uint8Array.from(s.mask);
      apply(s, plugin);
      expect(s.mask).toEqual(everyOtherOfAlive(before));
      // Half of the survivors (rounded up) go: 84 - 25 = 59 alive after l1 30% → 30 pruned.
      if (seed === 1) expect(s.mask.reduce((z, v) => z + (v === 0 ? 1 : 0), 0)).toBe(25 + 30);
    }
  });
});

describe('what computeMask is given', () => {
  it('hands the options, and the slice shape the kind implies', () => {
    const seen: PluginTensor[] = [];
    const recorder = (kind: PruningPlugin['kind']): PruningPlugin => ({
      name: `seen_${kind}`,
      kind,
      computeMask(_scores, mask, options, tensor) {
        seen.push(tensor);
        const out = Uint8Array.from(mask);
        const drop = typeof options['drop'] === 'number' ? options['drop'] : 0;
        for (let i = 0, dropped = 0; i < out.length && dropped < drop; i++) if (out[i] === 1) { out[i] = 0; dropped++; }
        return out;
      },
    });
    const s = state('fc/kernel', [4, 3], tieFree(12));
    apply(s, recorder('unstructured'), { options: { drop: 2 } });
    apply(s, recorder('unstructured'), { options: { drop: 1 } });
    apply(s, recorder('global'), { options: { drop: 1 } });
    apply(s, recorder('structured'), { axis: { kind: 'meaning', value: 'out' } }, 'dense');
    expect(seen).toEqual([
      { shape: [4, 3], axis: null, parameter: 'fc/kernel' }, // nothing pruned yet: the tensor, as torch's first call
      { shape: [10], axis: null, parameter: 'fc/kernel' }, // then the 10 still unpruned, as one vector
      { shape: [4, 3], axis: null, parameter: 'fc/kernel' }, // the whole tensor
      { shape: [4, 3], axis: 1, parameter: 'fc/kernel' }, // channels along axis 1 (out), none fully pruned
    ]);
    expect(s.mask.reduce((z, v) => z + (v === 0 ? 1 : 0), 0)).toBe(4);
    expect(s.history[0]).toEqual({ method: 'custom', plugin: 'seen_unstructured', kind: 'unstructured', module: 'plugins/mine.js', options: { drop: 2 } });
    expect(s.history[3]).toMatchObject({ kind: 'structured', axis: 1, channels: 'out' });
  });

  it('gives copies: a plugin that writes into its arguments changes nothing', () => {
    const vandal: PruningPlugin = {
      name: 'vandal',
      kind: 'global',
      computeMask(scores, mask) {
        scores.fill(0);
        const out = Uint8Array.from(mask);
        mask.fill(0);
        return out;
      },
    };
    const s = state('w', [6], tieFree(6));
    const original = Float32Array.from(s.values);
    apply(s, vandal);
    expect(s.values).toEqual(original);
    expect([...s.mask]).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('a bad mask from a plugin', () => {
  const returning = (name: string, result: (mask: Uint8Array) => unknown): PruningPlugin => ({
    name,
    kind: 'global',
    computeMask: (_scores, mask) => result(mask) as Uint8Array,
  });
  const CASES: [PruningPlugin, RegExp][] = [
    [returning('short', (m) => m.slice(1)), /computeMask returned 5 entries for 6/],
    [returning('two', (m) => Uint8Array.from(m, (v, i) => (i === 3 ? 2 : v))), /computeMask returned 2 at entry 3; a mask holds only 0 \(pruned\) and 1 \(kept\)/],
    [returning('revives', () => new Uint8Array(6).fill(1)), /computeMask keeps entry 0, which the default mask pruned; a method never revives an entry/],
    [returning('array', (m) => [...m]), /computeMask returned an array, not a Uint8Array/],
    [returning('floats', (m) => Float32Array.from(m)), /computeMask returned Float32Array, not a Uint8Array/],
    [
      returning('throws', () => {
        throw new Error('boom');
      }),
      /computeMask threw: boom/,
    ],
  ];

  it('is refused, naming the plugin, its file and the parameter, and nothing is applied', () => {
    for (const [plugin, message] of CASES) {
      const s = state('conv1/kernel', [6], tieFree(6));
      s.mask[0] = 0; // pruned before
      s.history.push({ method: 'earlier' });
      const before = { mask: Uint8Array.from(s.mask), history: [...s.history] };
      let error: unknown = null;
      try {
        apply(s, plugin);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PruneError);
      expect((error as PruneError).code).toBe('PRUNE_PLUGIN_INVALID');
      expect((error as PruneError).message).toMatch(new RegExp(`^plugin "${plugin.name}" \\(${FILE}\\) on 'conv1/kernel': `));
      expect((error as PruneError).message).toMatch(message);
      expect((error as PruneError).message).toMatch(/; the pruning is not applied$/);
      expect(s.mask).toEqual(before.mask);
      expect(s.history).toEqual(before.history);
    }
  });
});
