/**
 * A recipe's `model:` section: the rules the schema cannot express (which built-in takes which
 * option, and whether the images fit the built-in data), and its resolution into a ModelSource.
 */
import path from 'node:path';
import type { RecipeProblem } from '../errors.js';
import { DEFAULT_MODEL_SHAPE, DEFAULT_RESNET_DEPTH, DEFAULT_WIDTH, type BuiltinModel } from '../models/builtin.js';
import type { ModelShape } from '../models/architecture.js';
import type { RecipeInput } from './input.js';
import { formatCount, RECIPE_LIMITS } from './limits.js';
import type { ParsedRecipe } from './parse.js';
import { getPath, isRecord, type SourcePositions } from './positions.js';
import type { ModelSource } from './types.js';

/** The built-ins that take each option. */
const OPTION_TAKERS: Readonly<Record<string, readonly string[]>> = {
  depth: ['resnet'],
  width: ['resnet', 'mobilenet'],
  input_shape: ['resnet', 'mobilenet'],
  classes: ['resnet', 'mobilenet'],
};

export function modelProblems({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const model = getPath(value, ['model']);
  if (!isRecord(model)) return [];
  const builtin = typeof model['path'] === 'string' || typeof model['onnx'] === 'string' ? null : (model['builtin'] ?? null);
  const problems: RecipeProblem[] = [];
  for (const [key, takers] of Object.entries(OPTION_TAKERS)) {
    if (!(key in model) || takers.includes(String(builtin))) continue;
    const instead = builtin === null ? 'a model file, which has its own architecture' : `builtin: ${String(builtin)}`;
    problems.push({ at: positions.keyAt(['model', key]), message: `model.${key} applies to builtin: ${takers.join(' and ')} only, not to ${instead}` });
  }
  const shape = model['input_shape'];
  if (Array.isArray(shape) && shape.every((side) => typeof side === 'number')) {
    const values = (shape).reduce((n, side) => n * side, 1);
    if (values > RECIPE_LIMITS.inputValues) {
      problems.push({
        at: positions.valueAt(['model', 'input_shape']),
        message: `model.input_shape [${shape.join(', ')}] is ${formatCount(values)} values an image; the limit is ${formatCount(RECIPE_LIMITS.inputValues)} (prune-run's limit on a builtin model's input, 4096×4096×1)`,
      });
    }
  }
  if (problems.length > 0) return problems;
  return builtinDataProblems(value, model, positions);
}

/** Built-in data is 28×28×1 images of 10 classes; a model made for others would fail at load-data. */
function builtinDataProblems(value: unknown, model: Record<string, unknown>, positions: SourcePositions): RecipeProblem[] {
  const data = getPath(value, ['data']);
  if (!isRecord(data) || typeof data['builtin'] !== 'string') return [];
  const problems: RecipeProblem[] = [];
  const { inputShape, classes } = DEFAULT_MODEL_SHAPE;
  const shape = model['input_shape'];
  if (Array.isArray(shape) && (shape.length !== 3 || shape.some((size, i) => size !== inputShape[i]))) {
    problems.push({
      at: positions.valueAt(['model', 'input_shape']),
      message: `model.input_shape is [${shape.map(String).join(', ')}] but data: builtin ${data['builtin']} has ${inputShape.join('×')} images (leave input_shape out to take them)`,
    });
  }
  const count = model['classes'];
  if (typeof count === 'number' && count < classes) {
    problems.push({
      at: positions.valueAt(['model', 'classes']),
      message: `model.classes is ${count} but data: builtin ${data['builtin']} has ${classes} classes (leave classes out to take them)`,
    });
  }
  return problems;
}

export function resolveModel(model: RecipeInput['model'], dir: string, at: SourcePositions): ModelSource {
  if (model.path !== undefined) return { kind: 'path', path: path.resolve(dir, model.path), at: at.valueAt(['model', 'path']) };
  if (model.onnx !== undefined) return { kind: 'onnx', path: path.resolve(dir, model.onnx), at: at.valueAt(['model', 'onnx']) };
  return { kind: 'builtin', ...builtinModel(model) };
}

function builtinModel(model: RecipeInput['model']): BuiltinModel {
  const shape: ModelShape = {
    inputShape: model.input_shape ?? DEFAULT_MODEL_SHAPE.inputShape,
    classes: model.classes ?? DEFAULT_MODEL_SHAPE.classes,
  };
  const width = model.width ?? DEFAULT_WIDTH;
  switch (model.builtin ?? 'lenet') {
    case 'lenet':
      return { name: 'lenet' };
    case 'resnet':
      return { name: 'resnet', options: { ...shape, depth: model.depth ?? DEFAULT_RESNET_DEPTH, width } };
    case 'mobilenet':
      return { name: 'mobilenet', options: { ...shape, width } };
  }
}
