/**
 * recipes/seed-walkthrough.yaml end to end: through the command (run folder, report with every
 * step's sparsity and history), and step by step through the engine session the runner drives,
 * checking exact masks after each step. Also: a recipe pruned with torch's `dim: 0` gives the same
 * masks as one with `axis: out` (and `dim: 1` as `axis: in`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { EngineSession } from '../../src/engine/session.js';
import { readWeight, weightNamed } from '../../src/engine/weights.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { buildPlan } from '../../src/plan/build.js';
import type { Plan } from '../../src/plan/types.js';
import { pythonRound } from '../../src/prune/index.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { prepareRun } from '../../src/runner/prepare.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const RECIPE = fileURLToPath(new URL('../../recipes/seed-walkthrough.yaml', import.meta.url));
const KERNELS = ['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel'];
const SIZES = [54, 864, 48000, 10080, 840];

interface Snapshot {
  readonly masks: ReadonlyMap<string, { mask: Uint8Array; history: readonly Record<string, unknown>[] }>;
  /** The model's weights after the step, by name. */
  readonly weights: ReadonlyMap<string, Float32Array>;
}

/** Runs a plan's model and prune tasks in a session (as the runner does), snapshotting each prune. */
async function runInSession(plan: Plan): Promise<Map<string, Snapshot>> {
  const session = new EngineSession();
  const snapshots = new Map<string, Snapshot>();
  try {
    for (const task of plan.tasks) {
      if (task.kind === 'load-model') await session.loadModel(task);
      if (task.kind !== 'prune') continue;
      await session.prune(task);
      const masks = new Map(
        session.masks.names().map((name) => {
          const state = session.masks.get(name)!;
          return [name, { mask: Uint8Array.from(state.mask), history: structuredClone(state.history) }];
        }),
      );
      const weights = new Map(session.model.weights.map((w) => [w.originalName, readWeight(weightNamed(session.model, w.originalName))]));
      snapshots.set(task.stage!, { masks, weights });
    }
  } finally {
    await session.dispose();
  }
  return snapshots;
}

const zerosOf = (values: ArrayLike<number>) => Array.from(values).filter((v) => v === 0).length;

/** Output channels of a TF.js conv kernel [kh, kw, in, out] whose every entry is pruned. */
function deadFilters(mask: Uint8Array, filters: number): number[] {
  const dead: number[] = [];
  for (let f = 0; f < filters; f++) {
    let alive = false;
    for (let i = f; i < mask.length; i += filters) if (mask[i] !== 0) alive = true;
    if (!alive) dead.push(f);
  }
  return dead;
}

let steps: Map<string, Snapshot>;

beforeAll(async () => {
  await selectBackend('wasm');
  steps = await runInSession((await prepareRun(RECIPE)).plan);
});

describe('the seed walkthrough, step by step', () => {
  const step = (name: string) => steps.get(name)!;

  it('random_unstructured 30% of conv1.weight: exactly round(0.3·54) = 16 zeros', () => {
    const { masks, weights } = step('conv1-kernel-random-30');
    expect(zerosOf(masks.get('conv1/kernel')!.mask)).toBe(16);
    expect(zerosOf(weights.get('conv1/kernel')!)).toBe(16);
  });

  it('l1_unstructured count 3 of conv1.bias: exactly the 3 smallest |b| are zero', () => {
    const { masks, weights } = step('conv1-bias-l1-3');
    const before = step('conv1-kernel-random-30').weights.get('conv1/bias')!;
    const mask = masks.get('conv1/bias')!.mask;
    expect(zerosOf(mask)).toBe(3);
    const smallest = Array.from(before, (b, i) => [Math.abs(b), i] as const)
      .sort((a, b) => a[0] - b[0])
      .slice(0, 3)
      .map(([, i]) => i)
      .sort();
    expect([...mask.keys()].filter((i) => mask[i] === 0)).toEqual(smallest);
    expect(zerosOf(weights.get('conv1/bias')!)).toBe(3);
  });

  it('ln_structured 50% of output channels on top: exactly 3 of 6 filters go, plus the random zeros in the rest', () => {
    const random = step('conv1-kernel-random-30').masks.get('conv1/kernel')!.mask;
    const { mask, history } = step('conv1-kernel-ln-50-out').masks.get('conv1/kernel')!;
    const dead = deadFilters(mask, 6);
    expect(dead).toHaveLength(3);
    // Outside the dead filters the random mask is untouched; inside, everything is pruned.
    for (let i = 0; i < mask.length; i++) expect(mask[i], `entry ${i}`).toBe(dead.includes(i % 6) ? 0 : random[i]);
    expect(zerosOf(mask)).toBe(27 + zerosOf(random.filter((_, i) => !dead.includes(i % 6))));
    // The dead filters are those of smallest L2 norm of the weights after random pruning.
    const weights = step('conv1-kernel-random-30').weights.get('conv1/kernel')!;
    const norms = [0, 1, 2, 3, 4, 5].map((f) => weights.reduce((s, w, i) => (i % 6 === f ? s + w * w : s), 0));
    expect(dead).toEqual([...norms.keys()].sort((a, b) => norms[a]! - norms[b]!).slice(0, 3).sort());
    // torch's forward pre-hooks: a container holding both methods, in order.
    expect(history.map((h) => h['method'])).toEqual(['random_unstructured', 'ln_structured']);
    expect(history[1]).toMatchObject({ amount: 0.5, n: 2, axis: 3, torch_dim: 0, channels: 'out' });
  });

  it('remove makes conv1.weight permanent: no mask, no history, the zeros stay in the weight', () => {
    const before = step('conv1-kernel-ln-50-out');
    const { masks, weights } = step('conv1-kernel-remove');
    expect(masks.has('conv1/kernel')).toBe(false);
    expect(masks.has('conv1/bias')).toBe(true);
    expect(weights.get('conv1/kernel')).toEqual(before.weights.get('conv1/kernel'));
    expect(zerosOf(weights.get('conv1/kernel')!)).toBe(zerosOf(before.masks.get('conv1/kernel')!.mask));
  });

  it('per-type rule on a fresh model: round(0.2·n) per conv kernel, round(0.4·n) per dense kernel, nothing else', () => {
    const { masks, weights } = step('per-type-rule');
    expect([...masks.keys()]).toEqual(KERNELS);
    expect(KERNELS.map((name) => zerosOf(masks.get(name)!.mask))).toEqual([11, 173, 19200, 4032, 336]);
    // The fresh model has the initial weights back: conv1's bias has no zeros again.
    expect(zerosOf(weights.get('conv1/bias')!)).toBe(0);
    for (const name of KERNELS) {
      expect(masks.get(name)!.history).toEqual([{ method: 'l1_unstructured', amount: name.startsWith('conv') ? 0.2 : 0.4 }]);
    }
  });

  it('global L1 20% on a fresh model: round(0.2·N) zeros over the five kernels together', () => {
    const { masks } = step('global-l1-20');
    const total = SIZES.reduce((a, b) => a + b, 0);
    const counts = KERNELS.map((name) => zerosOf(masks.get(name)!.mask));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(pythonRound(0.2 * total));
    expect(new Set(counts.map((c, i) => (c / SIZES[i]!).toFixed(3))).size).toBeGreaterThan(1); // shared unevenly
    for (const name of KERNELS) expect(masks.get(name)!.history.map((h) => h['method'])).toEqual(['global_unstructured']);
  });

  it('starts each fresh stage from the same initial weights', () => {
    const random = step('conv1-kernel-random-30').weights.get('fc1/kernel')!;
    const global = step('global-l1-20');
    const fc1 = global.weights.get('fc1/kernel')!;
    const mask = global.masks.get('fc1/kernel')!.mask;
    for (let i = 0; i < fc1.length; i += 97) expect(fc1[i]).toBe(mask[i] === 0 ? 0 : random[i]);
  });
});

describe('the seed walkthrough through the command', () => {
  const run = runRecipeOnce({ file: RECIPE });
  let report: string;

  beforeAll(async () => {
    report = await readFile(path.join(run.runDir, 'report.md'), 'utf8');
  });

  /** The report's stage section, from its heading to the next. */
  const section = (stage: string) => report.split(`### ${stage}\n`)[1]!.split('\n### ')[0]!;

  it('runs without data: no evaluation, the manifest records no data', async () => {
    expect(report).not.toMatch(/## Accuracy/);
    const manifest = JSON.parse(await readFile(path.join(run.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('succeeded');
    expect(manifest.data).toBeNull();
  });

  it("reports every step's sparsity and each parameter's history after it", () => {
    expect(section('conv1-kernel-random-30')).toContain(
      '| `conv1/kernel` | 16 | 54 | 29.63% | `{"method":"random_unstructured","amount":0.3}` |',
    );
    expect(section('conv1-bias-l1-3')).toContain('| `conv1/bias` | 3 | 6 | 50.00% | `{"method":"l1_unstructured","count":3}` |');
    const zeros = zerosOf(steps.get('conv1-kernel-ln-50-out')!.masks.get('conv1/kernel')!.mask);
    expect(section('conv1-kernel-ln-50-out')).toContain(
      `| \`conv1/kernel\` | ${zeros} | 54 | ${((zeros / 54) * 100).toFixed(2)}% | ` +
        '`{"method":"random_unstructured","amount":0.3}` → ' +
        '`{"method":"ln_structured","amount":0.5,"n":2,"axis":3,"torch_dim":0,"channels":"out"}` |',
    );
    expect(section('conv1-kernel-remove')).toContain(`| \`conv1/kernel\` | ${zeros} | 54 |`);
    expect(section('conv1-kernel-remove')).toContain('removed: pruning made permanent');
    expect(section('per-type-rule')).toContain('| `fc2/kernel` | 4032 | 10080 | 40.00% | `{"method":"l1_unstructured","amount":0.4}` |');
    expect(section('global-l1-20')).toMatch(/Global sparsity of the pruned parameters after this stage: 20\.00%/);
  });

  it('ends with the global step: masks.safetensors and the final table hold its masks', async () => {
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(path.join(run.runDir, 'masks.safetensors'))));
    expect([...tensors.keys()].sort()).toEqual([...KERNELS].sort());
    const zeros = KERNELS.map((name) => zerosOf(tensors.get(name)!.data));
    expect(zeros.reduce((a, b) => a + b, 0)).toBe(pythonRound(0.2 * SIZES.reduce((a, b) => a + b, 0)));
    expect(report).toMatch(/\| `conv1\/bias` \| \[6\] \| 6 \| 0 \| not pruned \| — \|/);
    expect(report).toContain('global sparsity over the pruned parameters: **20.00%** (11968 of 59838)');
  });
});

describe('dim and axis', () => {
  const recipe = (method: string, layer: string, axis: string) =>
    `seed: 5\nmodel: {builtin: lenet}\nstages:\n  - name: s\n    targets:\n` +
    `      - {select: {layer: ${layer}, param: kernel}, method: ${method}, amount: 0.4, ${axis}}\n` +
    `  - name: t\n    targets:\n      - {select: {layer: ${layer}, param: kernel}, method: l1_unstructured, amount: 0.3}\n`;

  async function masksOf(text: string): Promise<Uint8Array[]> {
    const plan = buildPlan(await loadRecipeText(text, 'axis.yaml'), LENET_DESCRIPTION);
    const snapshots = await runInSession(plan);
    return [...snapshots.values()].flatMap((s) => [...s.masks.values()].map((m) => m.mask));
  }

  it.each([
    ['ln_structured', 'conv2', 'n: 2, axis: out', ['n: 2, dim: 0', 'n: 2, dim: -4']],
    ['ln_structured', 'conv2', 'n: 1, axis: in', ['n: 1, dim: 1', 'n: 1, dim: -3']],
    ['ln_structured', 'fc2', 'n: inf, axis: out', ['n: inf, dim: 0', 'n: inf, dim: -2']],
    ['ln_structured', 'fc2', 'n: 2, axis: in', ['n: 2, dim: 1', 'n: 2, dim: -1']],
    ['random_structured', 'conv2', 'axis: out', ['dim: 0']],
    ['random_structured', 'fc1', 'axis: in', ['dim: 1']],
  ])('%s on %s: %s gives the same masks as %j', async (method, layer, byMeaning, byDim) => {
    const expected = await masksOf(recipe(method, layer, byMeaning));
    expect(expected).toHaveLength(2);
    expect(zerosOf(expected[0]!)).toBeGreaterThan(0);
    for (const axis of byDim) expect(await masksOf(recipe(method, layer, axis))).toEqual(expected);
  });
});
