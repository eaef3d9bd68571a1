/**
 * Sensitivity analysis in plans: `allocate: sensitivity` puts an analysis of the step's parameters
 * just before its prune task, `prune-run sensitivity` plans the recipe's training and one analysis
 * of everything its stages select (and the channel groups its filters steps put up), the two
 * analyses of the same state share a cache key, and what cannot work is refused at its line.
 */
import { describe, expect, it } from 'vitest';
import { TaskKeys } from '../../src/cache/keys.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { formatPlan } from '../../src/plan/format.js';
import { sensitivityPlan } from '../../src/plan/sensitivity.js';
import type { Plan, PruneTask, SensitivityTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { DEFAULT_SENSITIVITY_AMOUNTS } from '../../src/recipe/types.js';

const KERNELS = '[{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}]';

const recipe = (step: string, more = '') => `model: {builtin: lenet}
data: {builtin: mnist, train_size: 200, test_size: 100}
train: {epochs: 1}
stages:
  - name: s
    global: {method: l1_unstructured, select: ${KERNELS}, ${step}}
    finetune: {epochs: 1}
${more}`;

const plan = async (text: string): Promise<Plan> => buildPlan(await loadRecipeText(text, 'r.yaml'), LENET_DESCRIPTION, { train: 200 });

/** Every task's cache key, the roots keyed by the same stand-in inputs. */
function keysOf(p: Plan): Map<string, string> {
  const keys = new TaskKeys({ engine: 'test' });
  return new Map(p.tasks.map((t) => [t.id, keys.keyOf(t, t.kind === 'load-model' || t.kind === 'load-data' ? 'inputs' : null)]));
}

describe('allocate: sensitivity', () => {
  it('analyses the step parameters on the state it prunes, just before it, and allocates from that analysis', async () => {
    const p = await plan(recipe('amount: 0.9, allocate: {by: sensitivity, amounts: [0.99, 0.5, 0.9]}'));
    const ids = p.tasks.map((t) => t.id);
    expect(ids.slice(0, 6)).toEqual(['load-model', 'load-data', 'train', 'evaluate:before-pruning', 'sensitivity:s', 'prune:s']);
    const analysis = p.tasks[4] as SensitivityTask;
    expect(analysis).toMatchObject({ kind: 'sensitivity', stage: 's', dependsOn: ['train', 'load-data'], amounts: [0.5, 0.9, 0.99], groups: [] });
    expect(analysis.parameters).toEqual(['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    const prune = p.tasks[5] as PruneTask;
    expect(prune.dependsOn).toEqual(['train', 'sensitivity:s']);
    expect(prune.groups[0]!.allocation).toEqual({ sensitivity: 'sensitivity:s' });
    expect(formatPlan(p)).toMatch(/split into per-parameter amounts with the least predicted accuracy loss from sensitivity:s's curves \(chosen at run time/);
  });

  it('measures at 0.1 … 0.9 and 0.95 unless told', async () => {
    const p = await plan(recipe('amount: 0.5, allocate: sensitivity'));
    expect((p.tasks.find((t) => t.kind === 'sensitivity') as SensitivityTask).amounts).toEqual(DEFAULT_SENSITIVITY_AMOUNTS);
  });

  it('refuses a step the measured amounts cannot reach, at allocate', async () => {
    await expect(plan(recipe('amount: 0.97, allocate: sensitivity'))).rejects.toThrow(
      /r\.yaml:6:\d+: allocate: the step prunes 58043 of its 59838 entries, but with no parameter above the highest amount measured, 0\.95, the parameters give at most 56846; measure higher amounts/,
    );
    await expect(plan(recipe('amount: 0.9, max_sparsity_per_layer: 0.85, allocate: sensitivity'))).rejects.toThrow(/no parameter above max_sparsity_per_layer 0\.85/);
  });

  it('is l1_unstructured with an amount or a count only', async () => {
    await expect(plan(recipe('amount: 0.5, allocate: sensitivity').replace('l1_unstructured', 'random_unstructured'))).rejects.toThrow(
      /r\.yaml:6:\d+: stages\[0\]\.global\.method must be "l1_unstructured", got "random_unstructured" \(allocate ranks each parameter's entries by \|w\|: l1_unstructured only\.\)/,
    );
    await expect(plan(recipe('schedule: {kind: constant, final: 0.5, start: 0}, allocate: sensitivity'))).rejects.toThrow(/allocate|schedule/);
    await expect(plan(recipe('amount: 0.5, allocate: {by: sensitivity, amounts: [0, 0.5]}'))).rejects.toThrow(/r\.yaml:6/);
  });
});

describe('prune-run sensitivity', () => {
  it('plans the training, then one analysis of all the stages select and of the groups filters put up', async () => {
    const text = recipe('amount: 0.5', `  - name: f
    filters: {select: [{layer_type: conv2d, param: kernel}], target: {macs: 0.3}}
  - name: t
    targets: [{select: {layer: fc3, param: bias}, method: l1_unstructured, amount: 0.1}]
`).replace(KERNELS, '[{layer_type: dense, param: kernel}]');
    const resolved = await loadRecipeText(text, 'r.yaml');
    const full = buildPlan(resolved, LENET_DESCRIPTION, { train: 200 });
    const p = sensitivityPlan(full, resolved, LENET_DESCRIPTION, [0.9, 0.3]);
    expect(p.command).toBe('sensitivity');
    expect(p.tasks.map((t) => t.id)).toEqual(['load-model', 'load-data', 'train', 'evaluate:before-pruning', 'sensitivity', 'report']);
    expect(p.tasks[4]).toMatchObject({ dependsOn: ['train', 'load-data'], amounts: [0.3, 0.9], parameters: ['fc1/kernel', 'fc2/kernel', 'fc3/kernel', 'fc3/bias'], groups: ['conv1', 'conv2'] });
    expect(p.tasks[5]!.dependsOn).toEqual(['sensitivity', 'evaluate:before-pruning']);
    // The training is the recipe run's own task: the same key, so the stage cache serves both.
    expect(keysOf(p).get('train')).toBe(keysOf(full).get('train'));
  });

  it('shares its cache key with an allocating first stage that analyses the same parameters at the same amounts', async () => {
    const text = recipe('amount: 0.5, allocate: sensitivity');
    const resolved = await loadRecipeText(text, 'r.yaml');
    const full = buildPlan(resolved, LENET_DESCRIPTION, { train: 200 });
    const command = sensitivityPlan(full, resolved, LENET_DESCRIPTION, DEFAULT_SENSITIVITY_AMOUNTS);
    expect(keysOf(command).get('sensitivity')).toBe(keysOf(full).get('sensitivity:s'));
    const other = sensitivityPlan(full, resolved, LENET_DESCRIPTION, [0.5]);
    expect(keysOf(other).get('sensitivity')).not.toBe(keysOf(full).get('sensitivity:s'));
  });

  it('refuses a recipe without data, naming what to add', async () => {
    const resolved = await loadRecipeText('model: {builtin: lenet}\nstages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n', 'r.yaml');
    const full = buildPlan(resolved, LENET_DESCRIPTION);
    expect(() => sensitivityPlan(full, resolved, LENET_DESCRIPTION, [0.5])).toThrow(/r\.yaml:1:1: a sensitivity analysis evaluates on the test split, and the recipe has no data section/);
  });
});
