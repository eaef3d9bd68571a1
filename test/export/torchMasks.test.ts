/**
 * masks.torch.safetensors for the built-in LeNet: l1_unstructured on the torch-weighted LeNet
 * (the weights of test/fixtures/torch/generate_lenet.py) gives, byte for byte, the file torch 1.13
 * wrote for the same pruning (torch names, [out, in, kh, kw], fc1's columns in torch's (c, h, w)
 * flatten order); read back to TF.js layout it is masks.safetensors' masks; a mask without a torch
 * name is left out and named in the metadata.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { masksOf, prune } from '../../src/api/index.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import { torchMasksFile, type TfjsMask } from '../../src/export/torchMasks.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { allParameters } from '../../src/models/description.js';
import { LENET_DESCRIPTION } from '../../src/models/lenet.js';
import { torchLayoutInfoOf, torchLayoutKindOf } from '../../src/models/torchLayoutOf.js';
import { fromTorchLayout } from '../../src/prune/torchLayout.js';
import { lenetFixture, TORCH_FIXTURES, torchWeightedLenet } from '../helpers/torchLenet.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** The torch-weighted LeNet pruned as the fixture's torch module was; its masks in TF.js layout. */
function fixtureMasks(): TfjsMask[] {
  const model = torchWeightedLenet();
  for (const [layer, amount] of Object.entries(lenetFixture().amounts)) prune.l1Unstructured(model.getLayer(layer), 'kernel', { amount });
  const masks = masksOf(model);
  model.dispose();
  return masks.names().map((name) => ({ name, shape: masks.get(name)!.shape, mask: masks.get(name)!.mask }));
}

describe('masks.torch.safetensors', () => {
  it('is, byte for byte, the masks torch 1.13 computed on the torch twin of LeNet', () => {
    const file = torchMasksFile(fixtureMasks(), LENET_DESCRIPTION)!;
    expect(file.written).toEqual(['conv1/kernel', 'conv2/kernel', 'fc1/kernel']);
    expect(file.skipped).toEqual({});
    const torch = readFileSync(`${TORCH_FIXTURES}lenet_masks.torch.safetensors`);
    expect(decodeSafetensors(file.bytes).tensors.get('fc1.weight')!.shape).toEqual([120, 400]);
    expect(Buffer.from(file.bytes).equals(torch)).toBe(true);
  });

  it('reads back, through the torch layout, to the TF.js masks', () => {
    const masks = fixtureMasks();
    const decoded = decodeSafetensors(torchMasksFile(masks, LENET_DESCRIPTION)!.bytes);
    const parameters = new Map(allParameters(LENET_DESCRIPTION).map((p) => [p.name, p]));
    for (const { name, shape, mask } of masks) {
      const counterpart = LENET_DESCRIPTION.torch![name]!;
      const tensor = decoded.tensors.get(counterpart.name)!;
      const kind = torchLayoutKindOf(parameters.get(name)!)!;
      const back = fromTorchLayout(kind, tensor.data as Uint8Array, tensor.shape, torchLayoutInfoOf(parameters.get(name)!, counterpart, kind));
      expect(back.shape).toEqual([...shape]);
      expect(back.values).toEqual(mask);
    }
  });

  it('leaves out a mask whose parameter has no torch name, and says so in the metadata', () => {
    const { 'conv2/kernel': _conv2, ...torch } = LENET_DESCRIPTION.torch!;
    const file = torchMasksFile(fixtureMasks(), { ...LENET_DESCRIPTION, torch })!;
    expect(file.skipped).toEqual({ 'conv2/kernel': 'no torch name' });
    const decoded = decodeSafetensors(file.bytes);
    expect([...decoded.tensors.keys()]).toEqual(['conv1.weight', 'fc1.weight']);
    expect(decoded.metadata).toEqual({ format: 'prune-run-torch-masks', layout: 'torch', skipped: 'conv2/kernel (no torch name)' });
  });

  it('is not written for a model without a torch counterpart', () => {
    const { torch: _torch, ...withoutTorch } = LENET_DESCRIPTION;
    expect(torchMasksFile(fixtureMasks(), withoutTorch)).toBeNull();
  });
});
