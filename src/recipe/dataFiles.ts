/**
 * The IDX files a recipe's data reads — `data: {idx: …}`'s four, or the builtin Fashion-MNIST's
 * four found on the machine — checked whole while the recipe is loaded, so that a bad one is a
 * recipe problem at the key that named it (data.builtin for Fashion-MNIST), reported with the
 * others before any run folder exists: each a regular file, an IDX file of bytes whose data is
 * exactly what its header declares, within MAX_IDX_DATA_BYTES (a gzipped one inflated as a stream
 * and stopped past that, data/idxFile.ts); images beside labels of the same count; test images of
 * the train images' size; train_size and test_size no more than the files hold. The data is not
 * kept: the run's load-data task reads the files again, once each.
 */
import path from 'node:path';
import { DataError, type RecipeProblem, type SourceLocation } from '../errors.js';
import type { IdxHeader } from '../data/idx.js';
import { checkIdxFile } from '../data/idxFile.js';
import { idxPairProblem, idxSplitsProblem, type ImageDims } from '../data/idxPair.js';
import type { FoundFiles } from '../data/locate.js';
import { fileProblem } from './files.js';
import type { ParsedRecipe } from './parse.js';
import { getPath } from './positions.js';

const SPLITS = ['train', 'test'] as const;
const KINDS = ['images', 'labels'] as const;
type SplitName = (typeof SPLITS)[number];
type Kind = (typeof KINDS)[number];

/** One of the four files, with how messages name it and where the recipe names it. */
interface IdxReference {
  readonly split: SplitName;
  readonly kind: Kind;
  readonly absolute: string;
  /** As the recipe wrote it; null for a file the recipe does not name (Fashion-MNIST's). */
  readonly given: string | null;
  /** How messages name it: `train images file "a.gz"`. */
  readonly label: string;
  readonly at: SourceLocation;
}

function references(recipe: ParsedRecipe, dir: string, fashionMnist: FoundFiles | null): IdxReference[] {
  const found: IdxReference[] = [];
  for (const split of SPLITS) {
    for (const kind of KINDS) {
      if (fashionMnist !== null) {
        const absolute = fashionMnist[split][kind];
        found.push({ split, kind, absolute, given: null, label: `Fashion-MNIST's ${split} ${kind} file ${absolute}`, at: recipe.positions.valueAt(['data', 'builtin']) });
        continue;
      }
      const where = ['data', 'idx', split, kind];
      const given = getPath(recipe.value, where);
      // Missing or non-string paths are the schema's problems.
      if (typeof given !== 'string' || given === '') continue;
      found.push({ split, kind, absolute: path.resolve(dir, given), given, label: `${split} ${kind} file "${given}"`, at: recipe.positions.valueAt(where) });
    }
  }
  return found;
}

/** The file's header once it has passed every check of its own, or the problem. */
async function checkOne(ref: IdxReference): Promise<{ header: IdxHeader } | { problem: string }> {
  if (ref.given !== null) {
    const problem = await fileProblem(ref.given, ref.absolute, `${ref.split} ${ref.kind} file`);
    if (problem !== null) return { problem };
  }
  try {
    return { header: await checkIdxFile(ref.absolute, ref.label) };
  } catch (error) {
    if (error instanceof DataError) return { problem: error.message };
    throw error;
  }
}

/** A split size the recipe asks for that is more than the files hold, at the size's value. */
function sizeProblem(recipe: ParsedRecipe, split: SplitName, images: IdxReference, count: number): RecipeProblem | null {
  const where = ['data', `${split}_size`];
  const size = getPath(recipe.value, where);
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= count) return null;
  return { at: recipe.positions.valueAt(where), message: `data.${split}_size is ${size} but ${images.label} holds ${count} images` };
}

/**
 * Every problem of the IDX files the recipe reads (none when it reads none). Reads the raw value
 * defensively, so that it can run alongside validation and report everything in one pass.
 */
export async function checkDataFiles(recipe: ParsedRecipe, absoluteFile: string, fashionMnist: FoundFiles | null): Promise<RecipeProblem[]> {
  const refs = references(recipe, path.dirname(absoluteFile), fashionMnist);
  // The four at once: each streams through a few kilobytes, whatever the file's size.
  const checked = await Promise.all(refs.map(checkOne));
  const problems: RecipeProblem[] = [];
  const headers = new Map<string, readonly number[]>();
  refs.forEach((ref, i) => {
    const result = checked[i]!;
    if ('problem' in result) problems.push({ at: ref.at, message: result.problem });
    else headers.set(`${ref.split} ${ref.kind}`, result.header.dims);
  });
  const refOf = (split: SplitName, kind: Kind) => refs.find((r) => r.split === split && r.kind === kind);
  const pairs = new Map<SplitName, ImageDims>();
  for (const split of SPLITS) {
    const [images, labels] = [refOf(split, 'images'), refOf(split, 'labels')];
    const [imageDims, labelDims] = [headers.get(`${split} images`), headers.get(`${split} labels`)];
    if (images === undefined || labels === undefined || imageDims === undefined || labelDims === undefined) continue;
    const problem = idxPairProblem({ images: images.label, labels: labels.label }, imageDims, labelDims);
    if (problem !== null) {
      problems.push({ at: (problem.file === 'images' ? images : labels).at, message: problem.message });
      continue;
    }
    pairs.set(split, imageDims as ImageDims);
    const tooMany = sizeProblem(recipe, split, images, imageDims[0]!);
    if (tooMany !== null) problems.push(tooMany);
  }
  const [train, test] = [pairs.get('train'), pairs.get('test')];
  const [trainImages, testImages] = [refOf('train', 'images'), refOf('test', 'images')];
  if (train !== undefined && test !== undefined && trainImages !== undefined && testImages !== undefined) {
    const mismatch = idxSplitsProblem(trainImages.label, train, testImages.label, test);
    if (mismatch !== null) problems.push({ at: testImages.at, message: mismatch });
  }
  return problems;
}
