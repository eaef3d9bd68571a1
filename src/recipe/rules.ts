/**
 * The rules a schema cannot express: unique stage names, data for what needs it, the built-in
 * MNIST's size, each method's own field rules (its descriptor's), and the gates'. They read the raw
 * value defensively, because they run even when the schema found problems elsewhere (all problems
 * are reported in one pass).
 */
import type { RecipeProblem } from '../errors.js';
import { methodNamed } from '../methods/index.js';
import { expectationProblems } from './expectations.js';
import { formatCount, RECIPE_LIMITS } from './limits.js';
import { modelProblems } from './model.js';
import { displayPath, show } from './naming.js';
import type { ParsedRecipe } from './parse.js';
import { getPath, isRecord, type PathSegment } from './positions.js';
import { DEFAULTS, MNIST_IMAGES } from './resolve.js';

export function ruleProblems(recipe: ParsedRecipe): RecipeProblem[] {
  return [
    ...duplicateStageNames(recipe),
    ...cycleTotal(recipe),
    ...dataNeeded(recipe),
    ...mnistSizes(recipe),
    ...modelProblems(recipe),
    ...methodFieldProblems(recipe),
    ...expectationProblems(recipe.value, recipe.positions),
  ];
}

/** Each target's method's own rules on its fields (its descriptor's fieldProblem), said at the target. */
function methodFieldProblems({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  const stages = getPath(value, ['stages']);
  if (!Array.isArray(stages)) return problems;
  stages.forEach((_stage, i) => {
    const targets = getPath(value, ['stages', i, 'targets']);
    if (!Array.isArray(targets)) return;
    targets.forEach((target, j) => {
      const method = methodNamed(String(getPath(target, ['method'])));
      if (method?.fieldProblem === undefined || !isRecord(target)) return;
      const where = (key: string): PathSegment[] => ['stages', i, 'targets', j, key];
      const problem = method.fieldProblem(target, (key) => displayPath(value, where(key)));
      if (problem !== null) problems.push({ at: positions.valueAt(where(problem.key)), message: problem.message });
    });
  });
  return problems;
}

function duplicateStageNames({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const stages = getPath(value, ['stages']);
  if (!Array.isArray(stages)) return [];
  const firstUse = new Map<string, number>();
  const problems: RecipeProblem[] = [];
  stages.forEach((stage, i) => {
    const name = getPath(stage, ['name']);
    if (typeof name !== 'string') return;
    const first = firstUse.get(name);
    if (first === undefined) {
      firstUse.set(name, i);
      return;
    }
    const firstLine = positions.valueAt(['stages', first, 'name']).line;
    problems.push({
      at: positions.valueAt(['stages', i, 'name']),
      message:
        `duplicate stage name "${name}" (stages[${first}] at line ${firstLine} has it already); ` +
        'stage names must be unique',
    });
  });
  return problems;
}

/**
 * The prune–fine-tune cycles of all stages together (limits.ts): each stage's repeat is bounded
 * by the schema, their sum here, at the repeat that passes it.
 */
function cycleTotal({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const stages = getPath(value, ['stages']);
  if (!Array.isArray(stages)) return [];
  let total = 0;
  for (let i = 0; i < stages.length; i++) {
    const stage: unknown = stages[i];
    const repeat = getPath(stage, ['repeat']) ?? 1;
    // A repeat that is wrong on its own is the schema's problem; count only sound ones.
    if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1 || repeat > RECIPE_LIMITS.repeat) continue;
    total += repeat;
    if (total > RECIPE_LIMITS.cycles) {
      const path = isRecord(stage) && 'repeat' in stage ? ['stages', i, 'repeat'] : ['stages', i];
      return [
        {
          at: positions.valueAt(path),
          message:
            `the stages up to ${displayPath(value, ['stages', i])} run ${formatCount(total)} prune–fine-tune cycles (the sum of their repeat); ` +
            `the limit is ${formatCount(RECIPE_LIMITS.cycles)} for a whole recipe`,
        },
      ];
    }
  }
  return [];
}

/** Training, fine-tuning and evaluation need data; say so at each place that asks for it. */
function dataNeeded({ value, positions }: ParsedRecipe): RecipeProblem[] {
  // `data:` present but malformed is the schema's to report; this rule is about a missing section.
  if (!isRecord(value) || 'data' in value) return [];
  const needs: { path: PathSegment[]; what: string }[] = [];
  const trainEpochs = ['train', 'epochs'];
  if (isPositive(getPath(value, trainEpochs))) needs.push({ path: trainEpochs, what: 'training' });
  const stages = getPath(value, ['stages']);
  if (Array.isArray(stages)) {
    stages.forEach((_, i) => {
      const path = ['stages', i, 'finetune', 'epochs'];
      if (isPositive(getPath(value, path))) needs.push({ path, what: 'fine-tuning' });
      const allocate = ['stages', i, 'global', 'allocate'];
      if (getPath(value, allocate) !== undefined) needs.push({ path: allocate, what: 'a sensitivity analysis' });
    });
  }
  const evaluate = ['report', 'evaluate'];
  if (getPath(value, evaluate) === true) needs.push({ path: evaluate, what: 'evaluation' });
  return needs.map(({ path, what }) => ({
    at: positions.valueAt(path),
    message:
      `${what} (${displayPath(value, path)}: ${show(getPath(value, path))}) needs data, but the recipe has no data ` +
      'section (add one, e.g. data: {builtin: mnist})',
  }));
}

function mnistSizes({ value, positions }: ParsedRecipe): RecipeProblem[] {
  const data = getPath(value, ['data']);
  if (!isRecord(data) || data['builtin'] !== 'mnist' || 'idx' in data) return [];
  const train = data['train_size'] ?? DEFAULTS.mnistTrainSize;
  const test = data['test_size'] ?? DEFAULTS.mnistTestSize;
  // Sizes that are wrong on their own are the schema's problems; only judge their sum.
  if (!isImageCount(train) || !isImageCount(test) || train + test <= MNIST_IMAGES) return [];
  const describe = (key: string, n: number): string => `${n}${key in data ? '' : ' (default)'}`;
  const at = positions.valueAt(['data', 'test_size' in data ? 'test_size' : 'train_size']);
  return [
    {
      at,
      message:
        `data.train_size + data.test_size must be at most ${MNIST_IMAGES} (the built-in mnist has ${MNIST_IMAGES} ` +
        `images), got ${describe('train_size', train)} + ${describe('test_size', test)} = ${train + test}`,
    },
  ];
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && value > 0;
}

function isImageCount(value: unknown): value is number {
  // No upper bound here: a size above the images there are is what the sum's message says (10^15 was let through to the run).
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

