/**
 * custom_from_mask in recipes, through the real command: a mask read from a safetensors file
 * relative to the recipe (TF.js layout, or torch layout mapped), composed with an earlier mask as
 * torch multiplies; a previous run's masks.safetensors used as the mask; and located errors for a
 * missing file, a missing tensor, a wrong shape and values other than 0/1.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { torchToTfjs } from '../../src/prune/index.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/formats/safetensors.js';
import { SeededRandom } from '../../src/util/random.js';
import { listTree, makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';

let cwd: string;

function binary(n: number, seed: number, keep = 0.7): Uint8Array {
  const random = new SeededRandom(seed);
  return Uint8Array.from({ length: n }, () => (random.nextFloat() < keep ? 1 : 0));
}

const CONV1_MASK = binary(54, 1); // TF.js [3, 3, 1, 6]
const FC3_TORCH = binary(840, 2); // torch [10, 84]
const BAD_VALUES = Uint8Array.from(binary(54, 3), (v, i) => (i === 7 ? 2 : v));

async function runMasks(recipe: string, name: string): Promise<{ runDir: string; masks: Map<string, Uint8Array>; report: string }> {
  const file = await writeRecipe(cwd, name, recipe);
  const result = await runCli(['--progress', 'plain', file], cwd);
  expect(result.status, result.stderr).toBe(0);
  const runDir = path.resolve(cwd, result.stdout.trim());
  const decoded = decodeSafetensors(await readFile(path.join(runDir, 'masks.safetensors')));
  const masks = new Map([...decoded.tensors].map(([k, t]) => [k, Uint8Array.from(t.data)]));
  return { runDir, masks, report: await readFile(path.join(runDir, 'report.md'), 'utf8') };
}

const L1_STAGE = `  - name: l1
    targets:
      - select: {layer: conv1, param: kernel}
        method: l1_unstructured
        amount: 0.3
`;

beforeAll(async () => {
  cwd = await makeTempDir();
  await mkdir(path.join(cwd, 'prev'));
  const bytes = encodeSafetensors([
    { name: 'conv1/kernel', dtype: 'U8', shape: [3, 3, 1, 6], data: CONV1_MASK },
    // as torch writes weight_mask: float, torch layout
    { name: 'fc3.weight', dtype: 'F32', shape: [10, 84], data: Float32Array.from(FC3_TORCH) },
    { name: 'conv1.weight', dtype: 'U8', shape: [6, 1, 3, 3], data: CONV1_MASK },
    { name: 'bad', dtype: 'U8', shape: [3, 3, 1, 6], data: BAD_VALUES },
  ]);
  await writeFile(path.join(cwd, 'prev', 'masks.safetensors'), bytes);
});

afterAll(async () => {
  await removeDir(cwd);
});

describe('custom_from_mask in a recipe', () => {
  let l1Only: Map<string, Uint8Array>;
  let l1OnlyDir: string;

  beforeAll(async () => {
    ({ masks: l1Only, runDir: l1OnlyDir } = await runMasks(`seed: 1\nmodel: {builtin: lenet}\nstages:\n${L1_STAGE}report: {save_model: false}\n`, 'l1.yaml'));
  });

  it('multiplies into the earlier mask (torch), and maps a torch-layout float mask', async () => {
    const { masks, report } = await runMasks(
      `seed: 1
model: {builtin: lenet}
stages:
${L1_STAGE}  - name: custom
    targets:
      - select: {layer: conv1, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: conv1/kernel}
      - select: {layer: fc3, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: fc3.weight, layout: torch}
report: {save_model: false}
`,
      'custom.yaml',
    );
    const l1 = l1Only.get('conv1/kernel')!;
    expect(l1.filter((v) => v === 0).length).toBe(16); // round(0.3 · 54)
    expect(Array.from(masks.get('conv1/kernel')!)).toEqual(Array.from(l1, (v, i) => v * CONV1_MASK[i]!));
    expect(Array.from(masks.get('fc3/kernel')!)).toEqual(Array.from(torchToTfjs('dense', FC3_TORCH, [10, 84]).values));
    // history: l1 then custom_from_mask, naming the tensor
    expect(report).toMatch(/`conv1\/kernel`.*l1_unstructured.*→.*custom_from_mask.*conv1\/kernel/);
  });

  it('shows in --dry-run which tensor of which file masks each parameter', async () => {
    const file = await writeRecipe(
      cwd,
      'dry.yaml',
      `model: {builtin: lenet}
stages:
  - name: custom
    targets:
      - select: {layer: fc3, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: fc3.weight, layout: torch}
`,
    );
    const result = await runCli(['--dry-run', file], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/custom_from_mask fc3\.weight of masks\.safetensors \(torch layout\)/);
    expect(result.stdout).toMatch(/multiplies in the mask fc3\.weight \[10, 84\] from .*prev\/masks\.safetensors/);
  });

  it('takes a previous run\'s masks.safetensors as the mask', async () => {
    const previous = path.relative(cwd, path.join(l1OnlyDir, 'masks.safetensors'));
    const { masks } = await runMasks(
      `seed: 5
model: {builtin: lenet}
stages:
  - name: replay
    targets:
      - select: {layer: conv1, param: kernel}
        method: custom_from_mask
        mask: {file: ${previous}, tensor: conv1/kernel}
report: {save_model: false}
`,
      'replay.yaml',
    );
    expect(Array.from(masks.get('conv1/kernel')!)).toEqual(Array.from(l1Only.get('conv1/kernel')!));
  });

  it('answers torch\'s prune.is_pruned(model) in the report: after each stage and at the end', async () => {
    const { report } = await runMasks(
      `seed: 1
model: {builtin: lenet}
stages:
${L1_STAGE}  - name: permanent
    remove: [{layer: conv1, param: kernel}]
report: {save_model: false}
`,
      'is-pruned.yaml',
    );
    expect(report).toMatch(/### l1[\s\S]*`prune\.is_pruned\(model\)` after this stage: true[\s\S]*### permanent[\s\S]*after this stage: false/);
    expect(report).toMatch(/^- is_pruned \(torch's `prune\.is_pruned\(model\)`\): \*\*false\*\* \(no parameter carries a mask/m);
    const { report: pruned } = await runMasks(`seed: 1\nmodel: {builtin: lenet}\nstages:\n${L1_STAGE}report: {save_model: false}\n`, 'l1-again.yaml');
    expect(pruned).toMatch(/^- is_pruned \(torch's `prune\.is_pruned\(model\)`\): \*\*true\*\* \(1 parameter carries a mask\)/m);
  });

  it('answers is_pruned in the seed walkthrough\'s report', async () => {
    const recipe = fileURLToPath(new URL('../../recipes/seed-walkthrough.yaml', import.meta.url));
    const result = await runCli(['--progress', 'plain', recipe], cwd);
    expect(result.status, result.stderr).toBe(0);
    const report = await readFile(path.join(path.resolve(cwd, result.stdout.trim()), 'report.md'), 'utf8');
    // after remove, conv1's bias still carries its mask; the last stage prunes the five kernels
    expect(report).toMatch(/### conv1-kernel-remove[\s\S]*?`prune\.is_pruned\(model\)` after this stage: true/);
    expect(report).toMatch(/^- is_pruned \(torch's `prune\.is_pruned\(model\)`\): \*\*true\*\* \(5 parameters carry a mask\)/m);
  });

  async function expectBad(name: string, recipe: string): Promise<string> {
    const file = await writeRecipe(cwd, name, recipe);
    const before = await listTree(cwd);
    const result = await runCli([file], cwd);
    expect(result.status, result.stderr).toBe(2);
    expect(await listTree(cwd)).toEqual(before);
    return result.stderr;
  }

  it('reports a missing file, a missing tensor and values other than 0/1 at file:line:col, with the schema\'s problems, writing nothing', async () => {
    const err = await expectBad(
      'bad-file.yaml',
      `model: {builtin: lenet}
stages:
  - name: bad
    targets:
      - select: {layer: conv1, param: kernel}
        method: custom_from_mask
        mask: {file: nowhere/masks.safetensors, tensor: conv1/kernel}
      - select: {layer: conv1, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: conv9/kernel}
      - select: {layer: conv1, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: bad}
      - select: {layer: conv1, param: kernel}
        method: custom_from_mask
        amount: 0.2
`,
    );
    expect(err).toMatch(/^bad-file\.yaml:7:22: mask file not found: "nowhere\/masks\.safetensors"/m);
    expect(err).toMatch(/^bad-file\.yaml:10:54: mask file "prev\/masks\.safetensors" has no tensor "conv9\/kernel"; its tensors: .*conv1\/kernel \[3, 3, 1, 6\]/m);
    expect(err).toMatch(/^bad-file\.yaml:13:54: mask tensor "bad" must hold only 0 \(pruned\) and 1 \(kept\); entry 7 is 2/m);
    expect(err).toMatch(/^bad-file\.yaml:\d+:\d+: .*missing the required key "mask"/m);
    expect(err).toMatch(/^bad-file\.yaml:16:9: .*amount does not apply to method "custom_from_mask"/m);
  });

  it('reports a mask of the wrong shape (with a hint for a torch-layout one) and layout: torch on a bias, once the model is known', async () => {
    const err = await expectBad(
      'bad-shape.yaml',
      `model: {builtin: lenet}
stages:
  - name: bad
    targets:
      - select: {layer: conv2, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: conv1/kernel}
      - select: {layer: conv1, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: conv1.weight}
      - select: {layer: conv1, param: bias}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: conv1/kernel, layout: torch}
      - select: {layer: fc3, param: kernel}
        method: custom_from_mask
        mask: {file: prev/masks.safetensors, tensor: conv1.weight, layout: torch}
`,
    );
    expect(err).toMatch(/^bad-shape\.yaml:7:54: mask tensor "conv1\/kernel" \[3, 3, 1, 6\] does not have the shape of conv2\/kernel/m);
    expect(err).toMatch(/^bad-shape\.yaml:10:54: mask tensor "conv1\.weight" \[6, 1, 3, 3\] does not have the shape .*add layout: torch/m);
    expect(err).toMatch(/^bad-shape\.yaml:13:54: layout: torch needs a conv2d or dense kernel.*conv1\/bias/m);
    expect(err).toMatch(/^bad-shape\.yaml:16:54: mask tensor "conv1\.weight" \[6, 1, 3, 3\] \(layout: torch\) does not have the torch shape \[10, 84\] of fc3\/kernel/m);
  });
});
