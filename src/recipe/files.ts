/**
 * The check that the files a recipe names exist and are files: the only part of loading that looks
 * at the disk besides reading the recipe itself (and its masks, masks.ts).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { RecipeProblem } from '../errors.js';
import type { ParsedRecipe } from './parse.js';
import { getPath, type PathSegment } from './positions.js';

/**
 * One problem per file the recipe names that is not a readable file. Reads the raw value
 * defensively so that it can run alongside validation and report everything in one pass.
 */
export async function checkFiles(recipe: ParsedRecipe, absoluteFile: string): Promise<RecipeProblem[]> {
  const dir = path.dirname(absoluteFile);
  const references: { where: PathSegment[]; what: string }[] = [
    { where: ['model', 'path'], what: 'model file' },
    { where: ['model', 'onnx'], what: 'ONNX model file' },
  ];
  for (const split of ['train', 'test']) {
    for (const kind of ['images', 'labels']) {
      references.push({ where: ['data', 'idx', split, kind], what: `${split} ${kind} file` });
    }
  }
  const problems = await Promise.all(
    references.map(async ({ where, what }) => {
      const given = getPath(recipe.value, where);
      // Missing or non-string paths are the schema's problems.
      if (typeof given !== 'string' || given === '') return null;
      const message = await fileProblem(given, path.resolve(dir, given), what);
      return message === null ? null : { at: recipe.positions.valueAt(where), message };
    }),
  );
  return problems.filter((p): p is RecipeProblem => p !== null);
}

async function fileProblem(given: string, absolute: string, what: string): Promise<string | null> {
  try {
    const stats = await stat(absolute);
    if (stats.isFile()) return null;
    if (!stats.isDirectory()) return `${what} "${given}" is not a regular file`;
    // A TF.js model is usually handed around as its folder; point at the file inside.
    const inside = path.join(absolute, 'model.json');
    const modelJson = await stat(inside).then((s) => s.isFile(), () => false);
    const hint = modelJson ? ` (did you mean "${path.posix.join(given.replace(/\\/g, '/'), 'model.json')}"?)` : '';
    return `${what} "${given}" is a folder, not a file${hint}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return `${what} not found: "${given}" (looked for ${absolute}; relative paths start at the recipe's folder)`;
    }
    return `cannot read ${what} "${given}": ${code ?? String(error)}`;
  }
}
