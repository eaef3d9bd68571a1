/**
 * What checkModelFolder takes besides the simplest case the command tests use: weights split
 * over several shard files (as tensorflowjs_converter writes them), quantized weights, several
 * groups; and what it refuses in the specs themselves. readModelWeights gives the shards' bytes in
 * manifest order, and refuses a file that changed size since the check.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkModelFolder, readModelWeights } from '../../src/models/modelFolder.js';
import { denseModelJson } from '../helpers/badFiles.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prune-run-model-folder-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** model.json of denseModelJson's topology with `manifest` instead of its weightsManifest. */
async function writeManifest(manifest: unknown): Promise<string> {
  const json = JSON.parse(denseModelJson()) as Record<string, unknown>;
  const file = path.join(dir, 'model.json');
  await writeFile(file, JSON.stringify({ ...json, weightsManifest: manifest }));
  return file;
}

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) % 256);

describe('checkModelFolder', () => {
  it('takes a group split over shards and a quantized group, and reads them back in manifest order', async () => {
    await writeFile(path.join(dir, 'group1-shard1of2.bin'), bytes(24));
    await writeFile(path.join(dir, 'group1-shard2of2.bin'), bytes(8, 24));
    await writeFile(path.join(dir, 'group2-shard1of1.bin'), bytes(6, 32));
    const file = await writeManifest([
      { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [{ name: 'fc/kernel', shape: [4, 2], dtype: 'float32' }] },
      { paths: ['./group2-shard1of1.bin'], weights: [{ name: 'fc/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 1, min: 0 } }, { name: 'x', shape: [2], dtype: 'bool' }] },
    ]);
    const checked = await checkModelFolder({ path: file });
    if (!checked.ok) throw new Error(checked.problem);
    expect(checked.folder.weightBytes).toBe(38);
    expect(checked.folder.weightFiles.map((f) => [f.path, f.bytes])).toEqual([
      ['group1-shard1of2.bin', 24],
      ['group1-shard2of2.bin', 8],
      ['./group2-shard1of1.bin', 6],
    ]);
    const read = await readModelWeights(checked.folder);
    if ('problem' in read) throw new Error(read.problem);
    expect([...new Uint8Array(read.data)]).toEqual([...bytes(38)]);
    // A shard that changed size after the check is refused, not read.
    await writeFile(path.join(dir, 'group1-shard2of2.bin'), bytes(9));
    expect(await readModelWeights(checked.folder)).toEqual({ problem: 'weight file "group1-shard2of2.bin" changed since it was checked (8 bytes then, 9 bytes now)' });
  });

  it('refuses string weights, unknown quantizations, bad shapes and a URL', async () => {
    const problem = async (manifest: unknown) => {
      const checked = await checkModelFolder({ path: await writeManifest(manifest) });
      return checked.ok ? 'accepted' : checked.problem;
    };
    expect(await problem([{ paths: [], weights: [{ name: 's', shape: [1], dtype: 'string' }] }])).toMatch(/^lists a bad weight: weight "s" has dtype "string"; a layers model's weights are float32, int32, bool, complex64$/);
    expect(await problem([{ paths: [], weights: [{ name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }] }])).toMatch(/weight "q" is quantized as "int4"/);
    expect(await problem([{ paths: [], weights: [{ name: 'n', shape: [-1], dtype: 'float32' }] }])).toMatch(/weight "n" has shape \[-1\]/);
    expect(await problem([{ paths: ['https://example.com/w.bin'], weights: [] }])).toMatch(/weightsManifest path "https:\/\/example\.com\/w\.bin" is a URL/);
    expect(await problem({})).toBe('has a weightsManifest that is not a list');
  });
});
