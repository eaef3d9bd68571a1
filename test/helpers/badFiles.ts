/**
 * Files that must be refused, built in a test's own folder: FIFOs, sparse files of any size (no
 * disk used, no time spent), IDX files and gzip bombs, a small real TF.js layers model, and the
 * checks every refusal through the command must pass.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { runCliChild, STACK_LINE, type ChildResult } from './child.js';
import { runCli, type CliResult } from './cli.js';

/** Makes `file` a FIFO (replacing a file there). */
export function mkfifo(file: string): void {
  rmSync(file, { force: true });
  execFileSync('mkfifo', [file]);
}

/** A file of `bytes` bytes that takes no disk space (a hole) and is made at once. */
export async function sparseFile(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
}

/** An IDX header of unsigned bytes: magic [0, 0, 8, dims], big-endian dims. */
export function idxHeader(dims: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length);
  bytes[2] = 0x08;
  bytes[3] = dims.length;
  const view = new DataView(bytes.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return bytes;
}

/** A whole IDX file: the header, then `data` or the bytes its dims need (i mod 256). */
export function idxFile(dims: readonly number[], data?: Uint8Array): Uint8Array {
  const header = idxHeader(dims);
  const body = data ?? Uint8Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i % 10);
  const bytes = new Uint8Array(header.length + body.length);
  bytes.set(header);
  bytes.set(body, header.length);
  return bytes;
}

/**
 * A gzip bomb: `header` followed by zeros up to `inflatedBytes` in all, as 1 MiB gzip members one
 * after another (RFC 1952 allows any number; gunzip and Node's zlib inflate them as one stream).
 * 1 GiB of zeros makes about 1 MB, in milliseconds: one member is compressed and written 1,024 times.
 */
export async function gzipBomb(file: string, header: Uint8Array, inflatedBytes: number): Promise<void> {
  const MiB = 1024 * 1024;
  const first = new Uint8Array(Math.min(MiB, inflatedBytes));
  first.set(header);
  const zeros = gzipSync(new Uint8Array(MiB));
  async function* members() {
    yield gzipSync(first);
    let left = inflatedBytes - first.length;
    for (; left >= MiB; left -= MiB) yield zeros;
    if (left > 0) yield gzipSync(new Uint8Array(left));
  }
  await pipeline(Readable.from(members()), createWriteStream(file));
}

export const gzip = (bytes: Uint8Array): Uint8Array => gzipSync(bytes);

/** A TF.js LayersModel's model.json: one dense layer `fc` of 4 inputs and 2 units (40 bytes of float32 weights). */
export function denseModelJson(paths: readonly string[] = ['weights.bin'], extra: Record<string, unknown> = {}): string {
  const topology = {
    class_name: 'Sequential',
    config: { name: 'net', layers: [{ class_name: 'Dense', config: { name: 'fc', units: 2, activation: 'linear', use_bias: true, batch_input_shape: [null, 4], dtype: 'float32' } }] },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  const weights = [
    { name: 'fc/kernel', shape: [4, 2], dtype: 'float32' },
    { name: 'fc/bias', shape: [2], dtype: 'float32' },
  ];
  return JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: [{ paths, weights }], ...extra });
}
export const DENSE_WEIGHT_BYTES = 40;

/** Writes `folder`/model.json (denseModelJson) and, unless told otherwise, its 40-byte weights.bin. */
export async function writeDenseModel(folder: string, options: { paths?: readonly string[]; weights?: Uint8Array | null } = {}): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'model.json'), denseModelJson(options.paths));
  if (options.weights !== null) await writeFile(path.join(folder, 'weights.bin'), options.weights ?? new Uint8Array(DENSE_WEIGHT_BYTES).fill(1));
}

/** A stage that selects every kernel: the recipes below differ only in what they read. */
export const KERNEL_STAGE = 'stages:\n  - name: s\n    global: {method: l1_unstructured, amount: 0.5, select: [{param: kernel}]}\n';

/** Every entry under a folder, recursively; [] when it does not exist. */
async function tree(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).map(String);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** What every refusal of bad input must be: exit 2, each expected message, no stack trace, nothing on stdout. */
function expectRefusal(result: { status: number | null; stdout: string; stderr: string }, expected: readonly RegExp[]): void {
  expect(result.status, result.stderr).toBe(2);
  for (const pattern of expected) expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stdout).toBe('');
}

/**
 * Runs the command in a child process in `cwd` and checks the refusal (expectRefusal), that nothing
 * is under runs/ (not even a `.partial` folder) and that it ended within `timeoutMs`: for inputs
 * that could hang the process or take its memory, which a child shows and measures.
 */
export async function expectRefusedByChild(cwd: string, args: readonly string[], expected: readonly RegExp[], timeoutMs = 60_000): Promise<ChildResult> {
  const result = await runCliChild(cwd, args, { timeoutMs });
  expect(result.timedOut, `still running after ${timeoutMs} ms; stderr: ${result.stderr}`).toBe(false);
  expectRefusal(result, expected);
  expect(await tree(path.join(cwd, 'runs'))).toEqual([]);
  return result;
}

/** As expectRefusedByChild, in this process (the same main()), for inputs that can neither hang nor grow it. */
export async function expectRefused(cwd: string, args: readonly string[], expected: readonly RegExp[]): Promise<CliResult> {
  const result = await runCli(args, cwd);
  expectRefusal(result, expected);
  expect(await tree(path.join(cwd, 'runs'))).toEqual([]);
  return result;
}
