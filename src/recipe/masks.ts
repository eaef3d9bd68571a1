/**
 * The tensors a recipe reads from safetensors files, checked when the recipe is loaded:
 * custom_from_mask's `mask: {file, tensor, layout}` must name a file (relative to the recipe)
 * holding that tensor, with only 0 and 1 in it; importance_scores' `{file, tensor, layout}` (a
 * local target's, or an entry of a global step's mapping) a float32 tensor. Problems are located at what the user wrote (file, tensor), like every other recipe
 * problem, and reported with them before any run folder exists.
 *
 * Why here: loading is the step that already looks at the disk for the files a recipe names
 * (checkFiles), while the planner stays pure (it checks the tensor's shape against the parameter,
 * knowing the model) and the engine reads the values when it prunes. What travels between them is
 * a MaskReference (file, tensor, layout, shape, sha256): plain data, so resolved.json and
 * plan.json show where a mask comes from rather than thousands of bytes, and the file's hash
 * makes the engine refuse a file that changed after it was checked.
 */
import path from 'node:path';
import { PruneRunError, type RecipeProblem, type SourceLocation } from '../errors.js';
import type { MaskLayout, MaskReference } from '../prune/spec.js';
import { decodeSafetensors, MAX_SAFETENSORS_BYTES, type DecodedSafetensors, type SafetensorsTensor } from '../formats/safetensors.js';
import { fileRefusalMessage, FileRefusedError, readRegularFile, type FileRefusal } from '../util/regularFile.js';
import { sha256Hex } from '../util/sha256.js';
import type { ImportanceInput } from './input.js';
import type { ParsedRecipe } from './parse.js';
import { getPath, type PathSegment, type SourcePositions } from './positions.js';
import type { ImportanceReference } from './types.js';

/**
 * The tensors found: masks by their target's path in the recipe, scores by the path of their
 * importance source (`maskKey`).
 */
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

interface TensorInput {
  file?: unknown;
  tensor?: unknown;
  layout?: unknown;
}

/**
 * A tensor a recipe names in a file: custom_from_mask's mask (a 0/1 mask) or importance_scores'
 * scores (float32), with the path of the mapping that names it (`file`, `tensor` and `layout` in it).
 */
interface TensorSource {
  readonly where: PathSegment[];
  readonly input: TensorInput;
  readonly role: 'mask' | 'scores';
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** importance_scores written as a file source (`{file, tensor}`; `{param}` needs no disk). */
function scoresSource(where: PathSegment[], value: unknown): TensorSource[] {
  return isMapping(value) && 'file' in value ? [{ where, input: value, role: 'scores' }] : [];
}

/**
 * Every tensor file source of a recipe: custom_from_mask targets' masks, local targets'
 * importance_scores and each entry of a global step's importance_scores mapping.
 */
function tensorSources(value: unknown): TensorSource[] {
  const found: TensorSource[] = [];
  const stages = getPath(value, ['stages']);
  if (!Array.isArray(stages)) return found;
  stages.forEach((_stage, i) => {
    const scores = getPath(value, ['stages', i, 'global', 'importance_scores']);
    if (isMapping(scores)) {
      for (const name of Object.keys(scores)) found.push(...scoresSource(['stages', i, 'global', 'importance_scores', name], scores[name]));
    }
    const targets = getPath(value, ['stages', i, 'targets']);
    if (!Array.isArray(targets)) return;
    targets.forEach((target, j) => {
      const where = ['stages', i, 'targets', j];
      found.push(...scoresSource([...where, 'importance_scores'], getPath(target, ['importance_scores'])));
      const mask = getPath(target, ['mask']);
      if (getPath(target, ['method']) !== 'custom_from_mask') return; // elsewhere mask is the schema's problem
      if (isMapping(mask)) found.push({ where: [...where, 'mask'], input: mask, role: 'mask' });
    });
  });
  return found;
}

/** The decoded tensor's problem as a mask (values other than 0 and 1) or as scores (not float32), or null. */
function valueProblem(role: TensorSource['role'], found: SafetensorsTensor, tensor: string, file: string): string | null {
  if (role === 'scores') {
    return found.dtype === 'F32' ? null : `importance_scores tensor "${tensor}" in "${file}" is ${found.dtype}; scores must be F32 (float32)`;
  }
  try {
    maskValues(found, tensor);
    return null;
  } catch (error) {
    return `${(error as Error).message} (in "${file}")`;
  }
}

/** Why a mask or scores file cannot be read, in the words of the recipe's role for it. */
function unreadableMessage(role: TensorSource['role'], given: string, absolute: string, refusal: FileRefusal): string {
  switch (refusal.kind) {
    case 'missing':
      return `${role} file not found: "${given}" (looked for ${absolute}; relative paths start at the recipe's folder)`;
    case 'folder':
      return `${role} file "${given}" is a folder, not a file` + (role === 'mask' ? " (a run folder's masks are in masks.safetensors)" : '');
    default:
      return fileRefusalMessage(`${role} file`, given, refusal);
  }
}

/** A source with its file and where the recipe names them. */
interface PlacedSource extends TensorSource {
  readonly given: string;
  readonly tensor: string;
  readonly layout: MaskLayout;
  readonly fileAt: SourceLocation;
  readonly tensorAt: SourceLocation;
}

/** The sources a recipe names, grouped by file (absolute path), in recipe order. */
function sourcesByFile(recipe: ParsedRecipe, dir: string): Map<string, PlacedSource[]> {
  const byFile = new Map<string, PlacedSource[]>();
  for (const source of tensorSources(recipe.value)) {
    const { file, tensor } = source.input;
    if (typeof file !== 'string' || file === '' || typeof tensor !== 'string' || tensor === '') continue;
    const absolute = path.resolve(dir, file);
    const placed: PlacedSource = {
      ...source,
      given: file,
      tensor,
      layout: source.input.layout === 'torch' ? 'torch' : 'tfjs',
      fileAt: recipe.positions.valueAt([...source.where, 'file']),
      tensorAt: recipe.positions.valueAt([...source.where, 'tensor']),
    };
    byFile.set(absolute, [...(byFile.get(absolute) ?? []), placed]);
  }
  return byFile;
}

/**
 * Reads each mask and scores file a recipe names and checks it: a regular file of at most
 * MAX_SAFETENSORS_BYTES, a sane safetensors header, the tensor named, its values. Files are read
 * one at a time and let go once their sources are checked, so memory holds one file however many
 * a recipe names. Reads the raw value defensively (the schema's problems are reported by
 * validation), so it runs alongside it and everything is reported at once. Masks are keyed by
 * their target's path, scores by the importance source's.
 */
export async function checkMasks(
  recipe: ParsedRecipe,
  absoluteFile: string,
): Promise<{ problems: RecipeProblem[]; masks: Map<string, MaskReference> }> {
  const problems: RecipeProblem[] = [];
  const masks = new Map<string, MaskReference>();
  for (const [absolute, sources] of sourcesByFile(recipe, path.dirname(absoluteFile))) {
    let bytes: Uint8Array;
    try {
      bytes = await readRegularFile(absolute, MAX_SAFETENSORS_BYTES);
    } catch (error) {
      if (!(error instanceof FileRefusedError)) throw error;
      for (const s of sources) problems.push({ at: s.fileAt, message: unreadableMessage(s.role, s.given, absolute, error.refusal) });
      continue;
    }
    let decoded: DecodedSafetensors;
    try {
      decoded = decodeSafetensors(bytes);
    } catch (error) {
      for (const s of sources) problems.push({ at: s.fileAt, message: `${s.role} file "${s.given}" is not a valid safetensors file: ${(error as Error).message}` });
      continue;
    }
    const sha256 = sha256Hex(bytes);
    for (const { where: sourcePath, role, given: file, tensor, layout, tensorAt } of sources) {
      const found = decoded.tensors.get(tensor);
      if (found === undefined) {
        const names = [...decoded.tensors.keys()];
        problems.push({
          at: tensorAt,
          message:
            `${role} file "${file}" has no tensor "${tensor}"; ` +
            (names.length > 0 ? `its tensors: ${names.map((n) => `${n} [${decoded.tensors.get(n)!.shape.join(', ')}]`).join(', ')}` : 'it holds no tensors'),
        });
        continue;
      }
      const problem = valueProblem(role, found, tensor, file);
      if (problem !== null) {
        problems.push({ at: tensorAt, message: problem });
        continue;
      }
      masks.set(maskKey(role === 'mask' ? sourcePath.slice(0, -1) : sourcePath), { file: absolute, tensor, layout, shape: [...found.shape], sha256 });
    }
  }
  return { problems, masks };
}

/**
 * importance_scores' source at `where`, located: a parameter, or a file's tensor as checkMasks
 * read it (null when its check failed, which checkMasks has reported).
 */
export function importanceReference(input: ImportanceInput, where: PathSegment[], at: SourcePositions, masks: MaskReferences): ImportanceReference | null {
  if ('param' in input) return { param: input.param, at: at.valueAt([...where, 'param']) };
  const tensor = masks.get(maskKey(where));
  return tensor === undefined ? null : { tensor, at: at.valueAt([...where, 'tensor']) };
}
