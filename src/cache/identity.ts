/**
 * What a root task reads, by content: the files of a model given by path (model.json and its
 * weight files, or the ONNX file); for a built-in model, its name and options (the seed is the task's own). A changed file changes every cache key after the task that read it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinModelIdentity } from '../models/builtin.js';
import type { ModelSource } from '../recipe/types.js';
import { sha256Hex } from '../util/sha256.js';

export async function modelIdentity(source: ModelSource): Promise<unknown> {
  if (source.kind === 'builtin') return builtinModelIdentity(source);
  if (source.kind === 'onnx') return { files: [{ file: path.basename(source.path), sha256: sha256Hex(await readFile(source.path)) }] };
  const text = await readFile(source.path);
  const manifest = JSON.parse(text.toString('utf8')) as { weightsManifest?: { paths?: string[] }[] };
  const weightFiles = (manifest.weightsManifest ?? []).flatMap((group) => group.paths ?? []);
  const files = [{ file: path.basename(source.path), sha256: sha256Hex(text) }];
  for (const file of weightFiles) files.push({ file, sha256: sha256Hex(await readFile(path.resolve(path.dirname(source.path), file))) });
  return { files };
}
