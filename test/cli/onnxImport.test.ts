/**
 * A recipe with `model: {onnx: ...}` through the real command: it plans (--dry-run) with the
 * imported model's torch names, runs a prune selected by torch names and a fine-tune of the
 * imported batch norms, and an ONNX model with an op the importer does not convert is bad input
 * located at `model.onnx`, naming the node and the op, with nothing written.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { listTree, makeTempDir, removeDir, runCli, writeRecipe } from '../helpers/cli.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';
import { TORCH_FIXTURES } from '../helpers/torchLenet.js';

const RECIPE = `model: {onnx: nets/resnet.onnx}
data: {builtin: mnist, train_size: 128, test_size: 64}
stages:
  - name: torch-names
    targets:
      - select: {param: layer1.0.conv1.weight}
        method: l1_unstructured
        amount: 0.5
        importance_scores: {param: layer1.0.conv2.weight}
  - name: torch-glob
    global:
      method: l1_unstructured
      amount: 0.3
      select:
        - {layer: "layer2.0.*", layer_type: conv2d, param: weight}
    finetune: {epochs: 1, batch_size: 64}
`;

const copyNet = (file: string) => async (cwd: string) => {
  await mkdir(path.join(cwd, 'nets'), { recursive: true });
  await copyFile(`${TORCH_FIXTURES}${file}`, path.join(cwd, 'nets', file));
};

describe('a recipe on an ONNX model', () => {
  const run = runRecipeOnce({ file: 'recipe.yaml', text: RECIPE, prefix: 'prune-run-onnx-', setUp: copyNet('resnet.onnx') });

  it('plans with --dry-run, naming the ONNX file', async () => {
    const dry = await runCli(['--dry-run', 'recipe.yaml'], run.cwd);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/ONNX .*resnet\.onnx, imported into TF\.js/);
    expect(dry.stdout).toContain("smallest |w| of layer1_0_conv2/kernel's values first"); // importance_scores given by its torch name
  });

  it('prunes what the torch names select, and fine-tunes', async () => {
    const masks = decodeSafetensors(await readFile(path.join(run.runDir, 'masks.safetensors')));
    const zeros = (name: string) => {
      const tensor = masks.tensors.get(name);
      expect(tensor, name).toBeDefined();
      return Array.from(tensor!.data).filter((v) => v === 0).length;
    };
    expect(zeros('layer1_0_conv1/kernel')).toBe(72); // half of 3·3·4·4
    expect([...masks.tensors.keys()].sort()).toEqual(['layer1_0_conv1/kernel', 'layer2_0_conv1/kernel', 'layer2_0_conv2/kernel', 'layer2_0_shortcut_0/kernel']);
    const report = await readFile(path.join(run.runDir, 'report.md'), 'utf8');
    expect(report).toContain('`layer1_0_conv1/kernel` (torch `layer1.0.conv1.weight`)');
    const manifest = JSON.parse(await readFile(path.join(run.runDir, 'manifest.json'), 'utf8')) as { model: { onnx?: string } };
    expect(manifest.model.onnx).toBe(path.join('nets', 'resnet.onnx'));
  });
});

describe('an ONNX model with an op the importer does not convert', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await makeTempDir('prune-run-onnx-bad-');
    await copyNet('unsupported.onnx')(cwd);
  });
  afterAll(async () => {
    await removeDir(cwd);
  });

  it('is bad input at model.onnx, naming the node and the op, with nothing written', async () => {
    const file = await writeRecipe(cwd, 'recipe.yaml', `model:\n  onnx: nets/unsupported.onnx\nstages:\n  - name: s\n    targets:\n      - {select: {param: kernel}, method: l1_unstructured, amount: 0.2}\n`);
    const before = await listTree(cwd);
    const result = await runCli([file], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^recipe\.yaml:2:9: ONNX model .*unsupported\.onnx: node "\/act\/LeakyRelu" \(LeakyRelu\): op LeakyRelu is not imported/m);
    expect(await listTree(cwd)).toEqual(before);
  });
});
