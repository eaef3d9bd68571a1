/**
 * The PyTorch round trip, on the three models torch 1.13 exported (test/fixtures/torch/
 * generate_onnx.py: LeNet, a residual net with batch norm, a depthwise-separable net): torch's ONNX
 * → a recipe (model: {onnx}) → prune-run's files back to torch's side.
 * (a) Pruned only: masks.torch.safetensors applied as torch's custom_from_mask does (weight =
 *     original × mask) to the very ONNX torch wrote gives, run by ONNX Runtime, the outputs of
 *     prune-run's pruned model/ within 1e-4 — what the user's torch model computes with those masks.
 * (b) Pruned and fine-tuned: the run's model.onnx, run by ONNX Runtime, gives model/'s outputs.
 */
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend/select.js';
import { loadModel } from '../../src/engine/modelFiles.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { randomImages } from '../export/onnxHelpers.js';
import { runRecipeOnce } from '../helpers/recipeRunOnce.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));
const KERNELS = '{layer_type: [conv2d, dense], param: kernel}';
const MODELS = [
  { file: 'lenet.onnx', select: [KERNELS] },
  { file: 'resnet.onnx', select: [KERNELS] },
  { file: 'separable.onnx', select: [KERNELS, '{layer_type: depthwise_conv2d, param: depthwise_kernel}'] },
] as const;

function recipe(select: readonly string[], finetune: boolean): string {
  return `seed: 5
model: {onnx: net.onnx}
${finetune ? 'data: {builtin: mnist, train_size: 96, test_size: 32}\n' : ''}stages:
  - name: half
    global:
      method: l1_unstructured
      amount: 0.5
      select: [${select.join(', ')}]
${finetune ? '    finetune: {epochs: 1, batch_size: 32}\n' : ''}export: {onnx: true}
`;
}

/** An ONNX model's outputs on NCHW images, one image at a time (torch's export fixed the batch at 1). */
async function onnxOutputs(bytes: Uint8Array, images: Float32Array, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const pixels = images.length / n;
  try {
    const outputs: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const one = new ort.Tensor('float32', images.slice(i * pixels, (i + 1) * pixels), [1, 1, 28, 28]);
      outputs.push((await session.run({ input: one })).output!.data as Float32Array);
    }
    return Float32Array.from(outputs.flatMap((o) => [...o]));
  } finally {
    await session.release();
  }
}

/** model/'s outputs on NHWC images. */
async function tfjsOutputs(runDir: string, images: tf.Tensor4D): Promise<Float32Array> {
  await selectBackend('wasm');
  const model = await loadModel({ path: path.join(runDir, 'model', 'model.json') });
  const values = tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync().slice() as Float32Array);
  model.dispose();
  return values;
}

/** torch's custom_from_mask on the ONNX torch wrote: every masked initializer multiplied by its mask. */
function applyTorchMasks(onnx: Uint8Array, masks: ReturnType<typeof decodeSafetensors>): { bytes: Uint8Array; applied: string[] } {
  const model = onnxProto.onnx.ModelProto.decode(onnx);
  const applied: string[] = [];
  for (const tensor of (model.graph as onnxProto.onnx.GraphProto).initializer as onnxProto.onnx.TensorProto[]) {
    const mask = masks.tensors.get(tensor.name);
    if (mask === undefined) continue;
    expect(tensor.dims.map(Number), tensor.name).toEqual(mask.shape);
    const raw = tensor.rawData;
    const values = raw.length > 0 ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) : Float32Array.from(tensor.floatData);
    const masked = values.map((v, i) => v * (mask.data as Uint8Array)[i]!);
    tensor.rawData = new Uint8Array(masked.buffer);
    tensor.floatData = [];
    applied.push(tensor.name);
  }
  return { bytes: onnxProto.onnx.ModelProto.encode(model).finish(), applied };
}

const largest = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
};

for (const { file, select } of MODELS) {
  describe(`torch → ONNX → prune-run → torch: ${file}`, () => {
    const setUp = (cwd: string) => copyFile(path.join(FIXTURES, file), path.join(cwd, 'net.onnx'));
    const pruned = runRecipeOnce({ file: 'pruned.yaml', text: recipe(select, false), setUp });
    const tuned = runRecipeOnce({ file: 'tuned.yaml', text: recipe(select, true), setUp });

    it('(a) masks.torch.safetensors on torch\'s own model gives the pruned model\'s outputs', async () => {
      const masks = decodeSafetensors(await readFile(path.join(pruned.runDir, 'masks.torch.safetensors')));
      const original = await readFile(path.join(FIXTURES, file));
      const { bytes, applied } = applyTorchMasks(original, masks);
      expect(applied.sort()).toEqual([...masks.tensors.keys()].sort());
      expect(applied.length).toBeGreaterThan(0);
      const { nhwc, nchw } = randomImages([28, 28, 1], 4, 8);
      const expected = await tfjsOutputs(pruned.runDir, nhwc);
      nhwc.dispose();
      expect(largest(await onnxOutputs(bytes, nchw, 4), expected)).toBeLessThan(1e-4);
      // And the masks really prune: the unmasked model's outputs differ.
      expect(largest(await onnxOutputs(original, nchw, 4), expected)).toBeGreaterThan(1e-3);
    });

    it('(b) after fine-tuning, model.onnx gives model/\'s outputs in ONNX Runtime', async () => {
      const { nhwc, nchw } = randomImages([28, 28, 1], 4, 9);
      const expected = await tfjsOutputs(tuned.runDir, nhwc);
      nhwc.dispose();
      expect(largest(await onnxOutputs(await readFile(path.join(tuned.runDir, 'model.onnx')), nchw, 4), expected)).toBeLessThan(1e-4);
    });
  });
}
