/**
 * Files a recipe names that must not be used, through the command (main(), in this process: none
 * of these inputs can hang it or grow it; fileRefusalsChild.test.ts runs the ones that could in a
 * child process and measures it). Model weights out of the model's folder (`../`, absolute, a
 * symlink), missing, a folder, truncated, declared beyond the limit; a graph model and a Keras file
 * as model.path; an ONNX file and a plugin over their limits; IDX files whose counts or image sizes
 * disagree, fewer images than train_size, a gzip cut short; a safetensors header that lies. Each
 * is refused before any run folder exists: exit 2, the message at the recipe key that named the
 * file, no stack trace, nothing under runs/.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { encodeSafetensors } from '../../src/formats/safetensors.js';
import { DENSE_WEIGHT_BYTES, denseModelJson, expectRefused, gzip, idxFile, KERNEL_STAGE, sparseFile, writeDenseModel } from '../helpers/badFiles.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';
import { pluginRecipe } from '../plugins/helpers.js';

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
  await writeRecipe(cwd, 'package.json', '{}'); // no project config from above the test's folder
});
afterEach(async () => {
  await removeDir(cwd);
});

const put = (name: string, bytes: Uint8Array) => writeFile(path.join(cwd, name), bytes);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A recipe on model.path `modelPath` (its value at 1:15), refused with `expected` after `r.yaml:1:15: model file "<path>" `. */
async function expectModelRefused(expected: RegExp, modelPath = 'net/model.json') {
  await writeRecipe(cwd, 'r.yaml', `model: {path: ${modelPath}}\n${KERNEL_STAGE}`);
  return expectRefused(cwd, ['r.yaml'], [new RegExp(`^r\\.yaml:1:15: model file "${escape(modelPath)}" ${expected.source}$`, 'm')]);
}

describe('model.path: weight files out of the model folder', () => {
  it('a ../ path, though the file exists and has the right size', async () => {
    await put('secret.bin', new Uint8Array(DENSE_WEIGHT_BYTES));
    await writeDenseModel(path.join(cwd, 'net'), { paths: ['../secret.bin'] });
    await expectModelRefused(/names a weight file it cannot use: weightsManifest path "\.\.\/secret\.bin" leads to \S+\/secret\.bin, outside the model's folder \S+\/net; weight files must be inside model\.json's folder/);
  });

  it('an absolute path', async () => {
    await put('secret.bin', new Uint8Array(DENSE_WEIGHT_BYTES));
    await writeDenseModel(path.join(cwd, 'net'), { paths: [path.join(cwd, 'secret.bin')] });
    await expectModelRefused(/names a weight file it cannot use: weightsManifest path "\/\S+\/secret\.bin" is an absolute path; weight files must be inside model\.json's folder/);
  });

  it('a symlink out of the folder, to a file or to a device that never ends', async () => {
    await put('secret.bin', new Uint8Array(DENSE_WEIGHT_BYTES));
    await writeDenseModel(path.join(cwd, 'net'), { weights: null });
    await symlink('../secret.bin', path.join(cwd, 'net', 'weights.bin'));
    await expectModelRefused(/names a weight file it cannot use: weightsManifest path "weights\.bin" leads through a symlink to \S+\/secret\.bin, outside the model's folder \S+\/net; weight files must be inside model\.json's folder/);
    await writeDenseModel(path.join(cwd, 'dev'), { weights: null });
    await symlink('/dev/zero', path.join(cwd, 'dev', 'weights.bin'));
    await expectModelRefused(/names a weight file it cannot use: weightsManifest path "weights\.bin" leads through a symlink to \/dev\/zero, outside the model's folder \S+; weight files must be inside model\.json's folder/, 'dev/model.json');
  });
});

describe('model.path: weight files that are not the weights', () => {
  it('missing, or a folder', async () => {
    await writeDenseModel(path.join(cwd, 'net'), { weights: null });
    await expectModelRefused(/names a weight file it cannot use: weight file "weights\.bin" \(weightsManifest\) does not exist \(looked for \S+\/net\/weights\.bin\)/);
    await mkdir(path.join(cwd, 'net', 'weights.bin'));
    await expectModelRefused(/names a weight file it cannot use: weight file "weights\.bin" is a folder, not a file/);
  });

  it('truncated: fewer bytes than the dtypes and shapes of its weights need', async () => {
    await writeDenseModel(path.join(cwd, 'net'), { weights: new Uint8Array(30) });
    await expectModelRefused(/lists weights that need 40 bytes \(dtype × shape of its 2 weights\), but its weight file "weights\.bin" holds 30 bytes: truncated, or not these weights/);
  });

  it('weight specs that declare more than a model may have', async () => {
    await mkdir(path.join(cwd, 'net'));
    const json = JSON.parse(denseModelJson()) as { weightsManifest: { weights: { shape: number[] }[] }[] };
    json.weightsManifest[0]!.weights[0]!.shape = [65536, 65536];
    await put('net/model.json', new TextEncoder().encode(JSON.stringify(json)));
    await expectModelRefused(/lists weights of more than 268,435,456 bytes \(256 MiB\), the most prune-run loads \(at weight "fc\/kernel"\)/);
  });
});

describe('model.path: models that are not TF.js layers models', () => {
  it('a graph model: how to convert the Keras model instead', async () => {
    await mkdir(path.join(cwd, 'net'));
    await put('net/model.json', new TextEncoder().encode(JSON.stringify({ format: 'graph-model', modelTopology: { node: [{ name: 'x', op: 'Placeholder' }] }, weightsManifest: [] })));
    await expectModelRefused(
      /is a TF\.js graph model \(a frozen graph of ops, no layers\), which prune-run cannot train or prune; convert the Keras model it came from into a layers model: tensorflowjs_converter --input_format keras model\.h5 model-tfjs\/ \(or --input_format keras_saved_model for a Keras SavedModel folder\), then set model: \{path: model-tfjs\/model\.json\}/,
    );
  });

  it('a Keras HDF5 file: the converter command for it', async () => {
    await put('net.h5', Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    await expectModelRefused(/is a Keras HDF5 file, not a TF\.js model\.json; convert it: tensorflowjs_converter --input_format keras net\.h5 model-tfjs\/, then set model: \{path: model-tfjs\/model\.json\}/, 'net.h5');
  });
});

describe('model.onnx and plugin modules over their limits: refused by their size, never read', () => {
  it('an ONNX file over 256 MiB', async () => {
    await sparseFile(path.join(cwd, 'net.onnx'), 300 * 1024 ** 2);
    await writeRecipe(cwd, 'r.yaml', `model: {onnx: net.onnx}\n${KERNEL_STAGE}`);
    await expectRefused(cwd, ['r.yaml'], [/^r\.yaml:1:15: ONNX model file "net\.onnx" is 314,572,800 bytes \(300 MiB\), more than the limit of 268,435,456 bytes \(256 MiB\)$/m]);
  });

  it('a plugin module over 1 MiB', async () => {
    await mkdir(path.join(cwd, 'plugins'));
    await sparseFile(path.join(cwd, 'plugins', 'big.js'), 2 * 1024 ** 2);
    await writeRecipe(cwd, 'r.yaml', pluginRecipe('plugins/big.js'));
    await expectRefused(cwd, ['--allow-plugins', 'r.yaml'], [/^r\.yaml:7:17: plugin module "plugins\/big\.js" is 2,097,152 bytes \(2 MiB\), more than the limit of 1,048,576 bytes \(1 MiB\)$/m]);
  });
});

/**
 * A recipe reading the four IDX files (values at 4:21, 4:37 for train images and labels; 5:20,
 * 5:36 for test images and labels) and `extra` data keys after them (from line 6).
 */
async function idxRecipe(extra = ''): Promise<void> {
  await writeRecipe(
    cwd,
    'r.yaml',
    `model: {builtin: lenet}\ndata:\n  idx:\n    train: {images: ti.idx, labels: tl.idx}\n    test: {images: si.idx, labels: sl.idx}\n${extra}train: {epochs: 1}\n${KERNEL_STAGE}`,
  );
}

/** Four good files of 28×28 images: 6 train, 3 test. */
async function goodIdx(): Promise<void> {
  await put('ti.idx', idxFile([6, 28, 28]));
  await put('tl.idx', idxFile([6]));
  await put('si.idx', idxFile([3, 28, 28]));
  await put('sl.idx', idxFile([3]));
}

describe('IDX files that do not make a data set', () => {
  it('labels fewer than images, and an images file given as labels', async () => {
    await goodIdx();
    await put('tl.idx', idxFile([5]));
    await put('sl.idx', idxFile([3, 28, 28]));
    await idxRecipe();
    await expectRefused(cwd, ['r.yaml'], [
      /^r\.yaml:4:37: train images file "ti\.idx" holds 6 images but train labels file "tl\.idx" holds 5 labels$/m,
      /^r\.yaml:5:36: test labels file "sl\.idx": expected a labels file with 1 dimension \[count\], found 3 \(is this an images file\?\)$/m,
    ]);
  });

  it('test images of another size than the train images, and a train_size above the images there are', async () => {
    await goodIdx();
    await put('si.idx', idxFile([3, 14, 14]));
    await idxRecipe('  train_size: 7\n');
    await expectRefused(cwd, ['r.yaml'], [
      /^r\.yaml:5:20: test images file "si\.idx": test images are 14×14 but train images \(train images file "ti\.idx"\) are 28×28$/m,
      /^r\.yaml:6:15: data\.train_size is 7 but train images file "ti\.idx" holds 6 images$/m,
    ]);
  });

  it('a gzip cut short, and a gzip holding less than its header declares', async () => {
    await goodIdx();
    const labels = gzip(idxFile([6]));
    await put('tl.idx', labels.subarray(0, labels.length - 9));
    await put('ti.idx', gzip(idxFile([6, 28, 28]).subarray(0, 2000)));
    await idxRecipe();
    await expectRefused(cwd, ['r.yaml'], [
      /^r\.yaml:4:21: train images file "ti\.idx": truncated: dimensions 6×28×28 need 4704 data bytes, found 1984$/m,
      /^r\.yaml:4:37: train labels file "tl\.idx": starts like gzip but cannot be decompressed \(unexpected end of file\)$/m,
    ]);
  });
});

describe('safetensors files', () => {
  it('a scores file whose header claims more than the file holds', async () => {
    const lying = encodeSafetensors([{ name: 'conv1/kernel', dtype: 'F32', shape: [3, 3, 1, 6], data: new Float32Array(54) }]);
    new DataView(lying.buffer).setBigUint64(0, 1n << 40n, true);
    await put('lying.safetensors', lying);
    await writeRecipe(
      cwd,
      'r.yaml',
      `model: {builtin: lenet}\nstages:\n  - name: s\n    targets:\n      - select: {layer: conv1, param: kernel}\n        method: l1_unstructured\n        amount: 0.5\n` +
        '        importance_scores: {file: lying.safetensors, tensor: conv1/kernel}\n',
    );
    await expectRefused(cwd, ['r.yaml'], [/^r\.yaml:8:35: scores file "lying\.safetensors" is not a valid safetensors file: header length 1099511627776 does not fit in a file of \d+ bytes$/m]);
  });
});
