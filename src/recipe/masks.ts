/**
 * custom_from_mask's masks, checked when the recipe is loaded: each target's `mask: {file, tensor,
 * layout}` must name a safetensors file (relative to the recipe) holding that tensor, with only 0
 * and 1 in it. Problems are located at what the user wrote (file, tensor), like every other recipe
 * problem, and reported with them before any run folder exists.
 *
 * Why here: loading is the step that already looks at the disk for the files a recipe names
 * (checkFiles), while the planner stays pure (it checks the tensor's shape against the parameter,
 * knowing the model) and the engine reads the values when it prunes. What travels between them is
 * a MaskReference (file, tensor, layout, shape, sha256): plain data, so resolved.json and
 * plan.json show where a mask comes from rather than thousands of bytes, and the file's hash
 * makes the engine refuse a file that changed after it was checked.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PruneRunError, type RecipeProblem } from '../errors.js';
import type { MaskLayout, MaskReference } from '../prune/spec.js';
import { decodeSafetensors, type SafetensorsTensor } from '../formats/safetensors.js';
import { sha256Hex } from '../util/sha256.js';
import type { ParsedRecipe } from './parse.js';
import { getPath, type PathSegment } from './positions.js';

/** The masks found, by the target's path in the recipe (`maskKey`). */
export type MaskReferences = ReadonlyMap<string, MaskReference>;

export const maskKey = (where: readonly PathSegment[]): string => where.join('.');

/** The first entry that is neither 0 nor 1, or null. */
function firstNonBinary(values: ArrayLike<number>): { index: number; value: number } | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1) return { index: i, value: v };
  }
  return null;
}

/** The tensor's values as a 0/1 mask; throws PruneRunError MASK_INVALID for anything else. */
export function maskValues(tensor: SafetensorsTensor, name: string): Uint8Array {
  const bad = firstNonBinary(tensor.data);
  if (bad !== null) {
    throw new PruneRunError(
      'MASK_INVALID',
      `mask tensor "${name}" must hold only 0 (pruned) and 1 (kept); entry ${String(bad.index)} is ${String(bad.value)}`,
    );
  }
  return Uint8Array.from(tensor.data);
}

interface MaskInput {
  file?: unknown;
  tensor?: unknown;
  layout?: unknown;
}

/** Every target with method custom_from_mask and a mask, with its path in the recipe. */
function maskTargets(value: unknown): { where: PathSegment[]; mask: MaskInput }[] {
  const found: { where: PathSegment[]; mask: MaskInput }[] = [];
  const stages = getPath(value, ['stages']);
  if (!Array.isArray(stages)) return found;
  stages.forEach((_stage, i) => {
    const targets = getPath(value, ['stages', i, 'targets']);
    if (!Array.isArray(targets)) return;
    targets.forEach((target, j) => {
      const mask = getPath(target, ['mask']);
      if (getPath(target, ['method']) !== 'custom_from_mask') return; // elsewhere mask is the schema's problem
      if (typeof mask === 'object' && mask !== null) found.push({ where: ['stages', i, 'targets', j], mask: mask });
    });
  });
  return found;
}

/**
 * Reads each mask a recipe names and checks it. Reads the raw value defensively (the schema's
 * problems are reported by validation), so it runs alongside it and everything is reported at once.
 */
export async function checkMasks(
  recipe: ParsedRecipe,
  absoluteFile: string,
): Promise<{ problems: RecipeProblem[]; masks: Map<string, MaskReference> }> {
  const dir = path.dirname(absoluteFile);
  const problems: RecipeProblem[] = [];
  const masks = new Map<string, MaskReference>();
  const files = new Map<string, Promise<{ bytes: Uint8Array } | { error: string }>>();
  const read = (absolute: string, given: string) => {
    let pending = files.get(absolute);
    if (pending === undefined) {
      pending = readFile(absolute).then(
        (bytes) => ({ bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) }),
        (error: NodeJS.ErrnoException) => ({
          error:
            error.code === 'ENOENT' || error.code === 'ENOTDIR'
              ? `mask file not found: "${given}" (looked for ${absolute}; relative paths start at the recipe's folder)`
              : error.code === 'EISDIR'
                ? `mask file "${given}" is a folder, not a file (a run folder's masks are in masks.safetensors)`
                : `cannot read mask file "${given}": ${error.code ?? String(error)}`,
        }),
      );
      files.set(absolute, pending);
    }
    return pending;
  };
  for (const { where, mask } of maskTargets(recipe.value)) {
    const { file, tensor } = mask;
    if (typeof file !== 'string' || file === '' || typeof tensor !== 'string' || tensor === '') continue;
    const layout: MaskLayout = mask.layout === 'torch' ? 'torch' : 'tfjs';
    const absolute = path.resolve(dir, file);
    const fileAt = recipe.positions.valueAt([...where, 'mask', 'file']);
    const tensorAt = recipe.positions.valueAt([...where, 'mask', 'tensor']);
    const content = await read(absolute, file);
    if ('error' in content) {
      problems.push({ at: fileAt, message: content.error });
      continue;
    }
    let decoded;
    try {
      decoded = decodeSafetensors(content.bytes);
    } catch (error) {
      problems.push({ at: fileAt, message: `mask file "${file}" is not a valid safetensors file: ${(error as Error).message}` });
      continue;
    }
    const found = decoded.tensors.get(tensor);
    if (found === undefined) {
      const names = [...decoded.tensors.keys()];
      problems.push({
        at: tensorAt,
        message:
          `mask file "${file}" has no tensor "${tensor}"; ` +
          (names.length > 0 ? `its tensors: ${names.map((n) => `${n} [${decoded.tensors.get(n)!.shape.join(', ')}]`).join(', ')}` : 'it holds no tensors'),
      });
      continue;
    }
    try {
      maskValues(found, tensor);
    } catch (error) {
      problems.push({ at: tensorAt, message: `${(error as Error).message} (in "${file}")` });
      continue;
    }
    masks.set(maskKey(where), {
      file: absolute,
      tensor,
      layout,
      shape: [...found.shape],
      sha256: sha256Hex(content.bytes),
    });
  }
  return { problems, masks };
}
