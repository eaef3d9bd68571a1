/**
 * What a run gives a torch user, through the command: LeNet (whose torch twin the README gives)
 * pruned by one global L1 threshold over its kernels and fc3's bias, then conv2's weakest filters,
 * writes masks.torch.safetensors beside masks.safetensors, torch-named and laid out, the same masks
 * read back to TF.js layout; and with export: {onnx: true, compact: true}, model.onnx and
 * model-compact.onnx, which ONNX Runtime runs to the outputs of model/.
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
import { loadModel } from '../../src/engine/modelFiles.js';
import { selectBackend } from '../../src/engine/backend/select.js';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { randomImages } from '../export/onnxHelpers.js';

const RECIPE = `seed: 3
model: {builtin: lenet}
stages:
  - name: half
    global:
      method: l1_unstructured
      amount: 0.5
      select: [{layer_type: conv2d, param: kernel}, {layer_type: dense, param: kernel}, {layer: fc3, param: bias}]
  - name: filters
    targets:
      - {select: {layer: conv2, param: kernel}, method: ln_structured, n: 2, axis: out, amount: 0.25}
export: {onnx: true, compact: true}
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

/** The ONNX file's outputs on `images` (NCHW, [n, 1, 28, 28]). */
async function onnxOutputs(file: string, images: Float32Array, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(await readFile(file));
  try {
    return (await session.run({ input: new ort.Tensor('float32', images, [n, 1, 28, 28]) })).output!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('model.onnx from a run', () => {
  it('runs in ONNX Runtime to the outputs of model/, and model-compact.onnx to those of model-compact/', async () => {
    await selectBackend('wasm');
    const { nhwc, nchw } = randomImages([28, 28, 1], 4, 5);
    for (const [folder, file] of [['model', 'model.onnx'], ['model-compact', 'model-compact.onnx']] as const) {
      const model = await loadModel({ path: path.join(run.runDir, folder, 'model.json') });
      const expected = tf.tidy(() => (model.predict(nhwc) as tf.Tensor).dataSync().slice());
      model.dispose();
      const got = await onnxOutputs(path.join(run.runDir, file), nchw, 4);
      expect(Math.max(...Array.from(expected, (v, i) => Math.abs(v - got[i]!))), file).toBeLessThan(1e-4);
    }
    nhwc.dispose();
    const compact = onnxProto.onnx.ModelProto.decode(await readFile(path.join(run.runDir, 'model-compact.onnx'))).graph as onnxProto.onnx.GraphProto;
    expect((compact.initializer.find((t) => t.name === 'conv2.weight') as onnxProto.onnx.TensorProto).dims.map(Number)).toEqual([12, 6, 3, 3]);
    const record = JSON.parse(await readFile(path.join(run.runDir, 'record.json'), 'utf8')) as { onnx: { bytes: number; compactBytes: number } };
    expect(record.onnx.bytes).toBe((await readFile(path.join(run.runDir, 'model.onnx'))).byteLength);
    expect(record.onnx.compactBytes).toBeLessThan(record.onnx.bytes);
    expect(run.result.stderr).toMatch(/model\.onnx \(\d+\.\d KiB\)/);
  });
});
