/**
 * A built-in model's identity (manifest and load-model's cache inputs) holds every option that
 * shapes it; an ONNX model's, the file's content.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { modelIdentity } from '../../src/cache/identity.js';
import { sha256Hex } from '../../src/util/sha256.js';
import { TORCH_FIXTURES } from '../helpers/torchLenet.js';

const shape = { inputShape: [28, 28, 1] as const, classes: 10 };

describe('built-in model identity', () => {
  it('is the name alone for LeNet, as before ResNet and MobileNet existed', async () => {
    expect(await modelIdentity({ kind: 'builtin', name: 'lenet' })).toEqual({ builtin: 'lenet' });
  });

  it('names every option of ResNet and MobileNet, so that another depth or width is another model', async () => {
    const resnet = await modelIdentity({ kind: 'builtin', name: 'resnet', options: { ...shape, depth: 8, width: 1 } });
    expect(resnet).toEqual({ builtin: 'resnet', depth: 8, width: 1, input_shape: [28, 28, 1], classes: 10 });
    expect(await modelIdentity({ kind: 'builtin', name: 'resnet', options: { ...shape, depth: 14, width: 1 } })).not.toEqual(resnet);
    expect(await modelIdentity({ kind: 'builtin', name: 'mobilenet', options: { ...shape, classes: 7, width: 0.5 } })).toEqual({
      builtin: 'mobilenet',
      width: 0.5,
      input_shape: [28, 28, 1],
      classes: 7,
    });
  });
});

describe('ONNX model identity', () => {
  it("is the file's content: another export of the same net is another model", async () => {
    const at = { file: 'r.yaml', line: 1, col: 1 };
    const file = `${TORCH_FIXTURES}resnet.onnx`;
    expect(await modelIdentity({ kind: 'onnx', path: file, at })).toEqual({ files: [{ file: 'resnet.onnx', sha256: sha256Hex(await readFile(file)) }] });
    const folded = await modelIdentity({ kind: 'onnx', path: `${TORCH_FIXTURES}resnet_folded.onnx`, at });
    expect(JSON.stringify(folded)).not.toContain(sha256Hex(await readFile(file)));
  });
});
