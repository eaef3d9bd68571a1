/**
 * Files a recipe names that could hang prune-run or take the machine's memory, through the built
 * command in a child process whose peak resident memory is measured (GNU time's %M, or VmHWM from
 * /proc when /usr/bin/time is missing; see helpers/child.ts): FIFOs where a model's weights, an
 * IDX file, a mask, an ONNX model or a plugin should be (a read would wait for a writer forever);
 * a 4 GiB weights file, a 1 MB gzip that inflates to 1 GiB behind a 60,000-image header, a header
 * that declares 1 GiB, a 300 MiB mask file, a 100-byte ONNX file declaring 10^9 floats. Each is
 * refused before any run folder exists: exit 2, every problem at the recipe key that named its
 * file, nothing under runs/, within seconds and in bounded memory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusedByChild, gzipBomb, idxFile, idxHeader, KERNEL_STAGE, mkfifo, sparseFile, writeDenseModel } from '../helpers/badFiles.js';
import { makeTempDir, removeDir, writeRecipe } from '../helpers/cli.js';
import { pluginRecipe } from '../plugins/helpers.js';

/**
 * The most resident memory a refusal may take: the command itself, with TF.js loaded, peaks at
 * about 100–150 MiB here; the inputs below are 300 MiB to 4 GiB, and inflating the bomb whole was
 * 2.2 GB before the files were checked.
 */
const BOUNDED_MIB = 300;

let cwd: string;
beforeEach(async () => {
  cwd = await makeTempDir();
  await writeRecipe(cwd, 'package.json', '{}'); // no project config from above the test's folder
});
afterEach(async () => {
  await removeDir(cwd);
});

const put = (name: string, bytes: Uint8Array) => writeFile(path.join(cwd, name), bytes);

/**
 * A recipe reading model.path net/model.json (1:15), the IDX files ti/tl/si/sl.idx (4:21, 4:37,
 * 5:20, 5:36) and, in its one target, the mask file `mask` (11:22).
 */
async function recipeReading(mask: string): Promise<void> {
  await writeRecipe(
    cwd,
    'r.yaml',
    `model: {path: net/model.json}
data:
  idx:
    train: {images: ti.idx, labels: tl.idx}
    test: {images: si.idx, labels: sl.idx}
stages:
  - name: s
    targets:
      - select: {layer: fc, param: kernel}
        method: custom_from_mask
        mask: {file: ${mask}, tensor: fc/kernel}
`,
  );
}

describe('FIFOs are refused by what they are, never opened for a read', () => {
  it("as a model's weights, an IDX file and a mask, in one recipe: each at its key", async () => {
    await writeDenseModel(path.join(cwd, 'net'), { weights: null });
    mkfifo(path.join(cwd, 'net', 'weights.bin'));
    await put('ti.idx', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1])); // a PNG's first bytes
    await put('tl.idx', idxFile([6]).subarray(0, 8 + 3)); // the header says 6 labels, 3 follow
    mkfifo(path.join(cwd, 'si.idx'));
    await put('sl.idx', idxFile([3]));
    mkfifo(path.join(cwd, 'mask.safetensors'));
    await recipeReading('mask.safetensors');
    const run = await expectRefusedByChild(cwd, ['r.yaml'], [
      /^r\.yaml:1:15: model file "net\/model\.json" names a weight file it cannot use: weight file "weights\.bin" is a FIFO \(named pipe\), not a regular file$/m,
      /^r\.yaml:4:21: train images file "ti\.idx": bad magic number 0x89504e47: not an IDX file$/m,
      /^r\.yaml:4:37: train labels file "tl\.idx": truncated: dimensions 6 need 6 data bytes, found 3$/m,
      /^r\.yaml:5:20: test images file "si\.idx" is a FIFO \(named pipe\), not a regular file$/m,
      /^r\.yaml:11:22: mask file "mask\.safetensors" is a FIFO \(named pipe\), not a regular file$/m,
    ]);
    expect(run.ms).toBeLessThan(30_000);
  });

  it('as an ONNX model', async () => {
    mkfifo(path.join(cwd, 'net.onnx'));
    await writeRecipe(cwd, 'r.yaml', `model: {onnx: net.onnx}\n${KERNEL_STAGE}`);
    await expectRefusedByChild(cwd, ['r.yaml'], [/^r\.yaml:1:15: ONNX model file "net\.onnx" is a FIFO \(named pipe\), not a regular file$/m]);
  });

  it('as a plugin module', async () => {
    await mkdir(path.join(cwd, 'plugins'));
    mkfifo(path.join(cwd, 'plugins', 'pipe.js'));
    await writeRecipe(cwd, 'r.yaml', pluginRecipe('plugins/pipe.js'));
    await expectRefusedByChild(cwd, ['--allow-plugins', 'r.yaml'], [/^r\.yaml:7:17: plugin module "plugins\/pipe\.js" is a FIFO \(named pipe\), not a regular file$/m]);
  });
});

describe('huge inputs are refused in bounded memory', () => {
  it('a 4 GiB weights file, a 1 GiB gzip bomb, a header declaring 1 GiB, a 300 MiB mask: in one recipe', async () => {
    await writeDenseModel(path.join(cwd, 'net'), { weights: null });
    await sparseFile(path.join(cwd, 'net', 'weights.bin'), 4 * 1024 ** 3);
    await gzipBomb(path.join(cwd, 'ti.idx'), idxHeader([60_000, 28, 28]), 1024 ** 3);
    await gzipBomb(path.join(cwd, 'tl.idx'), idxHeader([60_000]), 64 * 1024 ** 2);
    await gzipBomb(path.join(cwd, 'si.idx'), idxHeader([1_400_000, 28, 28]), 1024 ** 3);
    await put('sl.idx', idxFile([3]));
    await sparseFile(path.join(cwd, 'mask.safetensors'), 300 * 1024 ** 2);
    await recipeReading('mask.safetensors');
    const run = await expectRefusedByChild(cwd, ['r.yaml'], [
      /^r\.yaml:1:15: model file "net\/model\.json" lists weights that need 40 bytes \(dtype × shape of its 2 weights\), but its weight file "weights\.bin" holds 4,294,967,296 bytes \(4 GiB\): not these weights, or more than them$/m,
      /^r\.yaml:4:21: train images file "ti\.idx": decompresses to more data than its header declares \(dimensions 60000×28×28 need 47040000 data bytes\); stopped reading there$/m,
      /^r\.yaml:4:37: train labels file "tl\.idx": decompresses to more data than its header declares \(dimensions 60000 need 60000 data bytes\); stopped reading there$/m,
      /^r\.yaml:5:20: test images file "si\.idx": its header declares dimensions 1400000×28×28, 1,097,600,000 bytes \(1\.0 GiB\) of data, more than the 268,435,456 bytes \(256 MiB\) prune-run reads from one IDX file$/m,
      /^r\.yaml:11:22: mask file "mask\.safetensors" is 314,572,800 bytes \(300 MiB\), more than the limit of 269,484,032 bytes \(257 MiB\)$/m,
    ]);
    expect(run.peakRssMB).toBeLessThan(BOUNDED_MIB);
    expect(run.ms).toBeLessThan(30_000);
  });

  it('a 100-byte ONNX file whose initializer declares 10^9 floats it does not hold: nothing allocated for them', async () => {
    const { onnx } = onnxProto;
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'g', initializer: [{ name: 'w', dims: [1_000_000_000], dataType: 1 }], input: [], output: [], node: [] },
    }).finish();
    await put('net.onnx', bytes);
    await writeRecipe(cwd, 'r.yaml', `model: {onnx: net.onnx}\n${KERNEL_STAGE}`);
    const run = await expectRefusedByChild(cwd, ['r.yaml'], [/^r\.yaml:1:15: ONNX model \S+net\.onnx: initializer w holds 0 values but its dims \[1000000000\] need 1000000000$/m]);
    expect(run.peakRssMB).toBeLessThan(BOUNDED_MIB);
  });
});
