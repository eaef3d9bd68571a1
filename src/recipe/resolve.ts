/**
 * A valid recipe value → the frozen ResolvedRecipe: defaults filled in, snake_case keys turned
 * into the TS names, paths made absolute, and a source location kept on every item a later step
 * may still reject. Pure: the files the recipe names are checked by files.ts.
 */
import path from 'node:path';
import type { SourceLocation } from '../errors.js';
import { methodNamed, type AnyMethodDescriptor, type GlobalMethodSpec, type MethodSpec, type TargetFields } from '../methods/index.js';
import type { Amount } from '../prune/amount.js';
import type { AxisSpec, MaskReference } from '../prune/spec.js';
import { sha256Hex } from '../util/sha256.js';
import { importanceReference, maskKey, type MaskReferences } from './masks.js';
import { resolveModel } from './model.js';
import type { ParsedRecipe } from './parse.js';
import type { PathSegment, SourcePositions } from './positions.js';
import type { FoundFiles } from '../data/locate.js';
import type { DataSource } from '../data/types.js';
import type { TrainInput, SelectorInput, AmountInput, ScheduleInput, TargetInput, StageInput, IdxPairInput, RecipeInput, GlobalInput } from './input.js';
import type {
  FilterStep,
  Expectation,
  LocatedRewind,
  LocatedSchedule,
  LocalTarget,
  PruningStep,
  ReportConfig,
  ResolvedRecipe,
  Selector,
  Stage,
  TrainConfig,
} from './types.js';
import { DEFAULT_SENSITIVITY_AMOUNTS, EXPECTATION_NAMES } from './types.js';

/** The values a recipe gets for what it leaves out (the schema's descriptions say the same). */
export const DEFAULTS = {
  seed: 0,
  mnistTrainSize: 8000,
  mnistTestSize: 2000,
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 0.001,
  saveModel: true,
} as const satisfies Record<string, number | string | boolean>;

/** Images in the built-in MNIST sample (the mnist package's set). */
export const MNIST_IMAGES = 10_000;

export interface ResolveOptions {
  /** The seed of a recipe that sets none (the CLI's --seed or project config); default 0. */
  readonly defaultSeed?: number;
  /** custom_from_mask's masks as checkMasks found them, by the target's path (maskKey). */
  readonly masks?: MaskReferences;
  /** Where builtinData.ts found Fashion-MNIST's files, for a recipe with data: {builtin: fashion-mnist}. */
  readonly fashionMnist?: FoundFiles | null;
}

/**
 * Resolves a recipe that validateRecipe and checkFiles found no problems in (it trusts that).
 * `absoluteFile` is the recipe's absolute path; relative paths in it start at its folder.
 */
export function resolveRecipe(
  recipe: ParsedRecipe,
  absoluteFile: string,
  options: ResolveOptions = {},
): ResolvedRecipe {
  const input = recipe.value as RecipeInput;
  const dir = path.dirname(absoluteFile);
  const at = recipe.positions;
  const data = resolveData(input.data, dir, options.fashionMnist ?? null);
  const resolved: ResolvedRecipe = {
    file: absoluteFile,
    text: recipe.text,
    hash: sha256Hex(recipe.text),
    seed: input.seed ?? options.defaultSeed ?? DEFAULTS.seed,
    model: resolveModel(input.model, dir, at),
    data,
    train: resolveTraining(input.train, undefined),
    stages: input.stages.map((stage, i) => resolveStage(stage, ['stages', i], input.train, at, options.masks ?? new Map())),
    report: resolveReport(input.report, data !== null),
    export: {
      compact: input.export?.compact ?? false,
      // Absent when off, so recipes without it resolve (and key their exports) as before.
      ...(input.export?.fold_batch_norm === true ? { foldBatchNorm: true as const } : {}),
      sparse: input.export?.sparse ?? false,
      onnx: input.export?.onnx ?? false,
      onnxAt: input.export?.onnx === undefined ? null : at.valueAt(['export', 'onnx']),
      compactAt: input.export?.compact === undefined ? null : at.valueAt(['export', 'compact']),
    },
    expect: resolveExpectations(input.expect, at),
  };
  return deepFreeze(resolved);
}

function resolveData(data: RecipeInput['data'], dir: string, fashionMnist: FoundFiles | null): DataSource | null {
  if (data === undefined) return null;
  if (data.builtin === 'fashion-mnist') {
    if (fashionMnist === null) throw new Error('internal: data.builtin is fashion-mnist but its files were not located');
    return { kind: 'builtin', name: 'fashion-mnist', ...fashionMnist, trainSize: data.train_size ?? null, testSize: data.test_size ?? null };
  }
  if (data.idx === undefined) {
    return {
      kind: 'builtin',
      name: 'mnist',
      trainSize: data.train_size ?? DEFAULTS.mnistTrainSize,
      testSize: data.test_size ?? DEFAULTS.mnistTestSize,
    };
  }
  const pair = (p: IdxPairInput) => ({ images: path.resolve(dir, p.images), labels: path.resolve(dir, p.labels) });
  return {
    kind: 'idx',
    train: pair(data.idx.train),
    test: pair(data.idx.test),
    trainSize: data.train_size ?? null,
    testSize: data.test_size ?? null,
  };
}

/**
 * Training settings: each field from `own`, else from the recipe's train section (for
 * fine-tuning), else the default. No epochs, or 0, means no training: null.
 */
function resolveTraining(own: TrainInput | undefined, inherited: TrainInput | undefined): TrainConfig | null {
  const epochs = own?.epochs ?? 0;
  if (epochs === 0) return null;
  return {
    epochs,
    batchSize: own?.batch_size ?? inherited?.batch_size ?? DEFAULTS.batchSize,
    optimizer: own?.optimizer ?? inherited?.optimizer ?? DEFAULTS.optimizer,
    learningRate: own?.learning_rate ?? inherited?.learning_rate ?? DEFAULTS.learningRate,
  };
}

function resolveStage(
  stage: StageInput,
  where: PathSegment[],
  train: TrainInput | undefined,
  at: SourcePositions,
  masks: MaskReferences,
): Stage {
  return {
    name: stage.name,
    fresh: stage.fresh ?? false,
    prune: resolvePruning(stage, where, at, masks),
    remove: (stage.remove ?? []).map((s, i) => resolveSelector(s, [...where, 'remove', i], at)),
    finetune: resolveTraining(stage.finetune, train),
    filters:
      stage.filters === undefined
        ? null
        : {
            select: stage.filters.select.map((sel, i) => resolveSelector(sel, [...where, 'filters', 'select', i], at)),
            target: resolveGroupTarget(stage.filters.target, at.valueAt([...where, 'filters', 'target'])),
            minChannels: stage.filters.min_channels ?? DEFAULT_MIN_CHANNELS,
            at: at.valueAt([...where, 'filters']),
          },
    repeat: stage.repeat ?? 1,
    rewind: resolveRewind(stage.rewind, [...where, 'rewind'], at),
    at: at.valueAt(where),
  };
}

/** The default floor of structured pruning: a quarter of each group's channels stays. */
export const DEFAULT_MIN_CHANNELS = 0.25;

/** `target: 0.4` counts parameters; `{params: f}` or `{macs: f}` say the measure (the schema allows one key). */
function resolveGroupTarget(target: NonNullable<StageInput['filters']>['target'], at: SourceLocation): FilterStep['target'] {
  if (typeof target === 'number') return { measure: 'params', fraction: target, at };
  return target.macs !== undefined ? { measure: 'macs', fraction: target.macs, at } : { measure: 'params', fraction: target.params ?? 0, at };
}

function resolveRewind(rewind: StageInput['rewind'], where: PathSegment[], at: SourcePositions): LocatedRewind | null {
  if (rewind === undefined) return null;
  return { point: rewind === 'init' ? { kind: 'init' } : { kind: 'epoch', epoch: rewind.epoch }, at: at.valueAt(where) };
}

function resolveSchedule(input: ScheduleInput | undefined, where: PathSegment[], at: SourcePositions): LocatedSchedule | null {
  if (input === undefined) return null;
  const spec = {
    kind: input.kind,
    initial: input.initial ?? 0,
    final: input.final,
    start: input.start,
    end: input.end ?? input.start,
    unit: input.unit ?? 'epochs',
    every: input.every ?? 1,
  };
  return { spec, at: at.valueAt(where) };
}

function resolvePruning(stage: StageInput, where: PathSegment[], at: SourcePositions, masks: MaskReferences): PruningStep {
  if (stage.global !== undefined) {
    const step = stage.global;
    const stepPath = [...where, 'global'];
    const descriptor = descriptorOf(step.method);
    if (descriptor.global === null) throw new Error(`global method '${step.method}' the schema accepted is local only`);
    const method = descriptor.resolve({}, { amount: resolveAmount(step), axis: null, mask: undefined }) as GlobalMethodSpec;
    return {
      scope: 'global',
      select: step.select.map((s, i) => resolveSelector(s, [...stepPath, 'select', i], at)),
      method,
      maxSparsityPerLayer: step.max_sparsity_per_layer ?? null,
      ...(step.allocate === undefined ? {} : { allocate: resolveAllocate(step.allocate, [...stepPath, 'allocate'], at) }),
      importance: Object.entries(step.importance_scores ?? {}).flatMap(([parameter, input]) => {
        const sourcePath = [...stepPath, 'importance_scores', parameter];
        const scores = importanceReference(input, sourcePath, at, masks);
        return scores === null ? [] : [{ parameter, keyAt: at.keyAt(sourcePath), scores }];
      }),
      schedule: resolveSchedule(step.schedule, [...stepPath, 'schedule'], at),
      at: at.valueAt(stepPath),
    };
  }
  // A stage with only `remove` has no targets: a local step that prunes nothing.
  const targets = (stage.targets ?? []).map((target, i): LocalTarget => {
    const targetPath = [...where, 'targets', i];
    const importance = target.importance_scores;
    const descriptor = descriptorOf(target.method);
    return {
      select: resolveSelector(target.select, [...targetPath, 'select'], at),
      method: resolveMethod(descriptor, target, masks.get(maskKey(targetPath))),
      schedule: resolveSchedule(target.schedule, [...targetPath, 'schedule'], at),
      importance: importance === undefined ? null : importanceReference(importance, [...targetPath, 'importance_scores'], at, masks),
      at: at.valueAt(targetPath),
      optionsAt: optionsAt(descriptor, target, targetPath, at),
    };
  });
  return { scope: 'local', targets };
}

/** `allocate:` as amounts, ascending (the schema has checked each is in (0, 1] and given once). */
function resolveAllocate(input: NonNullable<GlobalInput['allocate']>, where: PathSegment[], at: SourcePositions): { amounts: number[]; at: SourceLocation } {
  const amounts = typeof input === 'string' ? [...DEFAULT_SENSITIVITY_AMOUNTS] : [...(input.amounts ?? DEFAULT_SENSITIVITY_AMOUNTS)];
  return { amounts: amounts.sort((a, b) => a - b), at: at.valueAt(where) };
}

/** The descriptor of a method the schema accepted (its enum lists exactly the descriptors). */
function descriptorOf(name: string): AnyMethodDescriptor {
  const descriptor = methodNamed(name);
  if (descriptor === undefined) throw new Error(`method '${name}' the schema accepted has no descriptor`);
  return descriptor;
}

function resolveMethod(descriptor: AnyMethodDescriptor, target: TargetInput, mask: MaskReference | undefined): MethodSpec {
  return descriptor.resolve(target as unknown as TargetFields, { amount: resolveAmount(target), axis: axisOf(target), mask }) as MethodSpec;
}

function axisOf(target: TargetInput): AxisSpec | null {
  if (target.axis !== undefined) return { kind: 'meaning', value: target.axis };
  return target.dim === undefined ? null : { kind: 'torch_dim', dim: target.dim };
}

/** Where the method's options are written: axis or dim as `axis`, each of the method's fields at its `locate` part. */
function optionsAt(descriptor: AnyMethodDescriptor, target: TargetInput, targetPath: PathSegment[], at: SourcePositions): Record<string, SourceLocation> {
  const located: Record<string, SourceLocation> = {};
  const axisKey = 'axis' in target ? 'axis' : 'dim' in target ? 'dim' : null;
  if (axisKey !== null) located['axis'] = at.valueAt([...targetPath, axisKey]);
  for (const field of descriptor.fields) {
    if (field.key in target) located[field.key] = at.valueAt([...targetPath, field.key, ...field.locate]);
  }
  return located;
}

/** A scheduled step's amount is its final sparsity (the engine reaches it update by update). */
function resolveAmount(input: AmountInput): Amount {
  if (input.schedule !== undefined) return { amount: input.schedule.final };
  return input.amount !== undefined ? { amount: input.amount } : { count: input.count ?? 0 };
}

function resolveSelector(input: SelectorInput, where: PathSegment[], at: SourcePositions): Selector {
  const types = input.layer_type;
  return {
    layerType: types === undefined ? null : typeof types === 'string' ? [types] : [...types],
    layer: input.layer ?? null,
    param: input.param ?? null,
    at: at.valueAt(where),
  };
}

/** The gates the recipe sets, in EXPECTATION_NAMES order (not the file's), each located at its limit. */
function resolveExpectations(input: RecipeInput['expect'], at: SourcePositions): Expectation[] {
  if (input === undefined) return [];
  return EXPECTATION_NAMES.flatMap((name) => {
    const limit = input[name];
    return limit === undefined ? [] : [{ name, limit, at: at.valueAt(['expect', name]) }];
  });
}

/** Also expectations.ts's rule for whether accuracy gates can be measured, so the two cannot disagree. */
export function resolveReport(report: RecipeInput['report'], hasData: boolean): ReportConfig {
  return {
    evaluate: report?.evaluate ?? hasData,
    saveModel: report?.save_model ?? DEFAULTS.saveModel,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
