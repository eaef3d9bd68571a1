/**
 * A plugin's computeMask runs in its own thread, never on the main one: the masks are the ones the
 * plugin gives when called in this thread (over several parameters of one group, on top of an
 * earlier pruning, so each call gets the container's slice), and a call under way is stopped at
 * once by the task's abort signal, even one that never returns.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masksOf } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { buildLenet } from '../../src/engine/lenet.js';
import { applyPruneTask } from '../../src/engine/pruneTask.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import type { PruneTask } from '../../src/plan/types.js';
import { checkedPlugin } from '../../src/prune/checked.js';
import { composeMask } from '../../src/prune/container.js';
import type { PruningPlugin } from '../../src/prune/plugin.js';
import { prepareRun } from '../../src/runner/prepare.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';

/** Prunes the smaller half (by magnitude, ties by index) of what it is handed: its answer depends on every score. */
const HALF = `export default {
  name: 'half',
  kind: 'unstructured',
  computeMask(importance, defaultMask) {
    const order = Array.from(importance.keys()).sort((a, b) => Math.abs(importance[a]) - Math.abs(importance[b]) || a - b);
    const mask = Uint8Array.from(defaultMask);
    for (const i of order.slice(0, Math.floor(order.length / 2))) mask[i] = 0;
    return mask;
  },
};
`;

const KERNELS = ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel'];

let dir: string;
beforeAll(async () => {
  await selectBackend('wasm');
  dir = await makeTempDir('prune-run-thread-');
  await writeFile(path.join(dir, 'half.js'), HALF);
  await writeFile(path.join(dir, 'hang.js'), `export default { name: 'hang', kind: 'global', computeMask() { for (;;) {} } };\n`);
});
afterAll(async () => {
  await removeDir(dir);
});

async function pruneTasks(recipe: string): Promise<PruneTask[]> {
  await writeRecipe(dir, 'recipe.yaml', recipe);
  const prepared = await prepareRun('recipe.yaml', { cwd: dir, allowPlugins: true });
  return prepared.plan.tasks.filter((t): t is PruneTask => t.kind === 'prune');
}

describe("a plugin's thread", () => {
  it('gives the masks the plugin computes in this thread, parameter by parameter, on top of earlier pruning', async () => {
    const [first, second] = await pruneTasks(`model: {builtin: lenet}
stages:
  - name: l1
    targets: [{select: {param: kernel}, method: l1_unstructured, amount: 0.3}]
  - name: half
    targets: [{select: {param: kernel}, method: custom, module: half.js}]
`);
    const model = buildLenet(1);
    try {
      await applyPruneTask(model, first!);
      const before = new Map(KERNELS.map((name) => [name, { scores: readWeight(weightNamed(model, name)).slice(), mask: masksOf(model).get(name)!.mask.slice() }]));
      await applyPruneTask(model, second!);
      const plugin = ((await import(pathToFileURL(path.join(dir, 'half.js')).href)) as { default: PruningPlugin }).default;
      for (const name of KERNELS) {
        const { scores, mask } = before.get(name)!;
        const shape = weightNamed(model, name).shape.map((d) => d ?? 0);
        const here = composeMask(checkedPlugin(plugin, { file: 'half.js' }, {}, null, () => ({})), scores, mask, shape, name);
        const state = masksOf(model).get(name)!;
        expect(state.mask, name).toEqual(here);
        // Half of what the first stage left, for every kernel: each got its own slice.
        const alive = mask.reduce((n, v) => n + v, 0);
        expect(state.mask.reduce((n, v) => n + v, 0), name).toBe(alive - Math.floor(alive / 2));
      }
    } finally {
      model.dispose();
    }
  });

  it('is stopped at once by the abort signal while computeMask never returns; nothing is applied', async () => {
    const [task] = await pruneTasks(`model: {builtin: lenet}
stages:
  - name: hang
    targets: [{select: {layer: fc3, param: bias}, method: custom, module: hang.js}]
`);
    const model = buildLenet(1);
    try {
      const abort = new AbortController();
      setTimeout(() => abort.abort(new Error('stopped by the test')), 300);
      const started = performance.now();
      await expect(applyPruneTask(model, task!, { signal: abort.signal })).rejects.toThrow('stopped by the test');
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(masksOf(model).names()).toEqual([]);
    } finally {
      model.dispose();
    }
  });
});
