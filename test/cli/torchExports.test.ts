/**
 * What a run gives a torch user, through the command: LeNet (whose torch twin the README gives)
 * pruned by one global L1 threshold over its kernels and fc3's bias writes masks.torch.safetensors
 * beside masks.safetensors, torch-named and laid out, the same masks read back to TF.js layout.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { allParameters } from '../../src/models/description.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { torchLayoutInfoOf, torchLayoutKindOf } from '../../src/models/torchLayoutOf.js';
import { fromTorchLayout } from '../../src/prune/torchLayout.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const RECIPE = `seed: 3
model: {builtin: lenet}
stages:
  - name: half
    global:
      method: l1_unstructured
      amount: 0.5
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}, {layer: fc3, param: bias}]
`;

const run = runRecipeOnce({ file: 'torch.yaml', text: RECIPE });

describe('masks.torch.safetensors from a run', () => {
  it('holds every mask of masks.safetensors under its torch name, in torch layout', async () => {
    const tfjs = decodeSafetensors(await readFile(path.join(run.runDir, 'masks.safetensors')));
    const torch = decodeSafetensors(await readFile(path.join(run.runDir, 'masks.torch.safetensors')));
    expect(torch.metadata).toEqual({ format: 'prune-run-torch-masks', layout: 'torch' });
    expect([...torch.tensors.keys()].sort()).toEqual(['conv1.weight', 'conv2.weight', 'fc1.weight', 'fc2.weight', 'fc3.bias', 'fc3.weight']);
    expect(torch.tensors.get('conv2.weight')!.shape).toEqual([16, 6, 3, 3]);
    const parameters = new Map(allParameters(LENET_DESCRIPTION).map((p) => [p.name, p]));
    for (const [name, mask] of tfjs.tensors) {
      const parameter = parameters.get(name)!;
      const counterpart = LENET_DESCRIPTION.torch![name]!;
      const kind = torchLayoutKindOf(parameter)!;
      const tensor = torch.tensors.get(counterpart.name)!;
      const back = fromTorchLayout(kind, tensor.data as Uint8Array, tensor.shape, torchLayoutInfoOf(parameter, counterpart, kind));
      expect(back.shape, name).toEqual(mask.shape);
      expect(back.values, name).toEqual(mask.data);
    }
    expect(run.result.stderr).toMatch(/masks\.torch\.safetensors/);
  });
});
