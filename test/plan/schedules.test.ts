/**
 * Scheduled pruning, prune–fine-tune cycles and rewinding in the plan: schedules laid out on the
 * real steps per epoch, cycles as repeated prune/fine-tune tasks, snapshots where a rewind needs
 * them, and every combination that cannot work refused at what the user wrote.
 */
import { describe, expect, it } from 'vitest';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import { formatPlan } from '../../src/plan/format.js';
import type { LoadModelTask, Plan, PruneTask, TrainTask } from '../../src/plan/types.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { recipeProblems } from '../helpers/problems.js';

const HEAD = `model: {builtin: lenet}
data: {builtin: mnist, train_size: 800, test_size: 100}
train: {epochs: 3, batch_size: 64}
report: {evaluate: false}
stages:
`;

async function plan(text: string): Promise<Plan> {
  return buildPlan(await loadRecipeText(HEAD + text, 'recipes/plan.yaml'), LENET_DESCRIPTION);
}

async function problems(text: string): Promise<string[]> {
  return recipeProblems(() => plan(text));
}

const GRADUAL = `  - name: g
    global:
      method: l1_unstructured
      select: [{layer_type: dense, param: kernel}]
      schedule: {kind: gradual, final: 0.8, start: 0, end: 2, every: 5}
    finetune: {epochs: 3}
`;

describe('scheduled pruning in the plan', () => {
  it('puts the schedule on the stage training, laid out on ceil(800 / 64) = 13 steps per epoch', async () => {
    const p = await plan(GRADUAL);
    expect(p.tasks.map((t) => t.id)).toEqual(['load-model', 'load-data', 'train', 'finetune:g', 'export', 'report']);
    const finetune = p.tasks.find((t): t is TrainTask => t.id === 'finetune:g')!;
    expect(finetune.stepsPerEpoch).toBe(13);
    const [scheduled] = finetune.scheduled;
    expect(scheduled!.scope).toBe('global');
    expect(scheduled!.group.parameters).toEqual(['fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    expect(scheduled!.updates.map((u) => u.step)).toEqual([0, 5, 10, 15, 20, 25, 26]);
    expect(scheduled!.updates.at(-1)!.sparsity).toBe(0.8);
    expect(formatPlan(p)).toMatch(/step 26 \(epoch 3\):\s+80% → 47136 of 58920 entries/);
  });

  it('local targets: each its own schedule, and one-shot targets of the same stage prune before training', async () => {
    const p = await plan(`  - name: mixed
    targets:
      - {select: {layer: conv2, param: kernel}, method: ln_structured, n: 2, axis: out, schedule: {kind: linear, final: 0.5, start: 0, end: 13, unit: steps, every: 13}}
      - {select: {layer: fc1, param: kernel}, method: l1_unstructured, amount: 0.3}
    finetune: {epochs: 1}
`);
    const prune = p.tasks.find((t): t is PruneTask => t.kind === 'prune')!;
    expect(prune.groups.map((g) => g.parameters)).toEqual([['fc1/kernel']]);
    const finetune = p.tasks.find((t): t is TrainTask => t.id === 'finetune:mixed')!;
    expect(finetune.scheduled.map((s) => [s.scope, s.group.parameters])).toEqual([['local', ['conv2/kernel']]]);
    expect(finetune.scheduled[0]!.updates).toEqual([{ step: 0, sparsity: 0 }, { step: 13, sparsity: 0.5 }]);
    expect(formatPlan(p)).toMatch(/after step 12 \(end\):\s+50% → conv2\/kernel 8\/16 channels/);
  });

  it('refuses a schedule past the training, without training, with repeat or remove, located at the schedule', async () => {
    expect(await problems(GRADUAL.replace('finetune: {epochs: 3}', 'finetune: {epochs: 1}'))).toEqual([
      '10:17 schedule: end is step 26 (epoch 2) but the stage trains 13 steps (1 epoch of 13 steps); lower end or train longer',
    ]);
    expect(await problems(GRADUAL.replace('    finetune: {epochs: 3}\n', ''))).toEqual([
      "10:17 stage g: a schedule prunes during the stage's training; add finetune: {epochs: N} to the stage",
    ]);
    expect(await problems(`${GRADUAL}    repeat: 2\n`)).toEqual([
      '10:17 stage g: repeat and schedule both spread pruning out; use one (a schedule already prunes step by step)',
    ]);
  });

  it('refuses an unknown schedule key and a key its kind does not take, at the key', async () => {
    const text = (schedule: string) => GRADUAL.replace('{kind: gradual, final: 0.8, start: 0, end: 2, every: 5}', schedule);
    const [constantEnd] = await problems(text('{kind: constant, final: 0.5, start: 0, end: 2}'));
    expect(constantEnd).toMatch(/^10:56 .*end does not apply to kind "constant": end is for the gradual and linear kinds/);
    const [both] = await problems(text('{kind: gradual, final: 0.8, start: 0, end: 2, every: 5}\n      amount: 0.5'));
    expect(both).toMatch(/has both "amount" and "schedule"|has both 'amount' and 'schedule'|amount.*schedule/);
  });
});

describe('cycles and rewinding in the plan', () => {
  const CYCLES = `  - name: imp
    global:
      method: l1_unstructured
      amount: 0.2
      select: [{layer_type: dense, param: kernel}]
    repeat: 3
    rewind: init
    finetune: {epochs: 1}
`;

  it('repeat: k gives k prune/fine-tune cycles, each composing with the last and drawing its own seeds', async () => {
    const p = await plan(CYCLES);
    expect(p.tasks.map((t) => t.id)).toEqual([
      'load-model', 'load-data', 'train',
      'prune:imp#1', 'finetune:imp#1', 'prune:imp#2', 'finetune:imp#2', 'prune:imp#3', 'finetune:imp#3',
      'export', 'report',
    ]);
    const prunes = p.tasks.filter((t): t is PruneTask => t.kind === 'prune');
    expect(prunes.map((t) => t.cycle)).toEqual([{ index: 1, of: 3 }, { index: 2, of: 3 }, { index: 3, of: 3 }]);
    expect(prunes.map((t) => t.groups[0]!.planned['fc1/kernel']!.composes)).toEqual([false, true, true]);
    expect(new Set(prunes.map((t) => t.groups[0]!.seed)).size).toBe(3);
    expect(prunes.every((t) => t.rewind?.kind === 'init')).toBe(true);
    expect((p.tasks[0] as LoadModelTask).snapshot).toBe(true);
    expect(formatPlan(p)).toMatch(/cycle 2 of 3: each amount is taken from what is still unpruned/);
  });

  it('rewind: {epoch: N} keeps the weights after epoch N of train; an epoch train does not have is refused', async () => {
    const p = await plan(CYCLES.replace('rewind: init', 'rewind: {epoch: 2}'));
    expect(p.tasks.find((t): t is TrainTask => t.id === 'train')!.snapshotEpochs).toEqual([2]);
    expect((p.tasks[0] as LoadModelTask).snapshot).toBe(false);
    expect(await problems(CYCLES.replace('rewind: init', 'rewind: {epoch: 4}'))).toEqual([
      "12:13 rewind: {epoch: 4} names an epoch of the recipe's train, which has 3 epochs; use 1 to 3, or init",
    ]);
  });
});

describe('schedule units', () => {
  it('wants whole step numbers when start and end count steps', async () => {
    const text = GRADUAL.replace('{kind: gradual, final: 0.8, start: 0, end: 2, every: 5}', '{kind: gradual, final: 0.8, start: 1.5, end: 20, unit: steps, every: 5}');
    const [problem] = await problems(text);
    expect(problem).toMatch(/^10:\d+ stages\[0\]\.global\.schedule\.start must be an integer/);
  });
});
