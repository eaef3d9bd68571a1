/**
 * The recipe as written, once the schema has accepted it: snake_case keys, optional fields, what
 * resolve.ts turns into the ResolvedRecipe. A method's own keys are not here: its descriptor reads them.
 */
import type { BUILTIN_MODEL_NAMES } from '../models/builtin.js';
import type { ResnetDepth } from '../models/resnet.js';
import type { GlobalMethodName, MethodName } from '../methods/index.js';
import type { ChannelMeaning } from '../prune/spec.js';
import type { ScheduleKind, ScheduleUnit } from '../schedules/index.js';
import type { ExpectationName, OptimizerName } from './types.js';

export interface TrainInput {
  epochs?: number;
  batch_size?: number;
  optimizer?: OptimizerName;
  learning_rate?: number;
}
export interface SelectorInput {
  layer_type?: string | string[];
  layer?: string;
  param?: string;
}
export interface AmountInput {
  amount?: number;
  count?: number;
  schedule?: ScheduleInput;
}
export interface ScheduleInput {
  kind: ScheduleKind;
  initial?: number;
  final: number;
  start: number;
  end?: number;
  unit?: ScheduleUnit;
  every?: number;
}
/** The keys every target has or several methods share; a method's own keys are its descriptor's. */
export interface TargetInput extends AmountInput {
  select: SelectorInput;
  method: MethodName;
  axis?: ChannelMeaning;
  dim?: number;
  importance_scores?: ImportanceInput;
}
/** importance_scores as written: another parameter, or a tensor of a safetensors file. */
export type ImportanceInput = { param: string } | { file: string; tensor: string; layout?: 'tfjs' | 'torch' };
export interface GlobalInput extends AmountInput {
  select: SelectorInput[];
  method: GlobalMethodName;
  max_sparsity_per_layer?: number;
  /** Per-parameter amounts from a sensitivity analysis: `sensitivity`, or with the amounts it measures at. */
  allocate?: 'sensitivity' | { by: 'sensitivity'; amounts?: number[] };
  /** Keyed by the full TF.js weight name of a selected parameter. */
  importance_scores?: Record<string, ImportanceInput>;
}
export interface StageInput {
  name: string;
  fresh?: boolean;
  global?: GlobalInput;
  targets?: TargetInput[];
  remove?: SelectorInput[];
  finetune?: TrainInput;
  filters?: { select: SelectorInput[]; target: number | { params?: number; macs?: number }; min_channels?: number };
  repeat?: number;
  rewind?: 'init' | { epoch: number };
}
export interface IdxPairInput {
  images: string;
  labels: string;
}
export interface RecipeInput {
  seed?: number;
  model: {
    builtin?: (typeof BUILTIN_MODEL_NAMES)[number];
    path?: string;
    onnx?: string;
    depth?: ResnetDepth;
    width?: number;
    input_shape?: [number, number, number];
    classes?: number;
  };
  data?: {
    builtin?: 'mnist' | 'fashion-mnist';
    idx?: { train: IdxPairInput; test: IdxPairInput };
    train_size?: number;
    test_size?: number;
  };
  train?: TrainInput;
  stages: StageInput[];
  report?: { evaluate?: boolean; save_model?: boolean };
  export?: { compact?: boolean; fold_batch_norm?: boolean; sparse?: boolean; onnx?: boolean };
  expect?: Partial<Record<ExpectationName, number>>;
}
