/**
 * The table of layer kinds prune-run knows, and lookups by TF.js class name or by the snake-case
 * type the planner and recipes use. Pure data: no TF.js, so the planner reads it too.
 */
import type { WeightLayout } from '../prune/layout.js';
import { ACTIVATION, AVERAGE_POOLING2D, BATCH_NORMALIZATION, DROPOUT, FLATTEN, GLOBAL_AVERAGE_POOLING2D, MAX_POOLING2D, RELU, ZERO_PADDING2D } from './channelWise.js';
import { DEPTHWISE_CONV2D, SEPARABLE_CONV2D } from './depthwise.js';
import { INPUT_LAYER } from './input.js';
import { MERGES } from './merges.js';
import type { LayerKind, ParamKind } from './types.js';
import { CONV2D, DENSE } from './weighted.js';

export { activationKeepsZero, elementwiseActivation, ELEMENTWISE_ACTIVATIONS } from './activations.js';
export { inputsOf, outputsOf, type FlowShapes, type InputChannel } from './flow.js';
export type { ChannelFlow, CompactionRule, ConstantRule, LayerKind, ParamKind } from './types.js';

export const LAYER_KINDS: readonly LayerKind[] = [
  INPUT_LAYER,
  CONV2D,
  DENSE,
  DEPTHWISE_CONV2D,
  SEPARABLE_CONV2D,
  BATCH_NORMALIZATION,
  MAX_POOLING2D,
  AVERAGE_POOLING2D,
  GLOBAL_AVERAGE_POOLING2D,
  RELU,
  ACTIVATION,
  DROPOUT,
  FLATTEN,
  ZERO_PADDING2D,
  ...MERGES,
];

const BY_CLASS = new Map(LAYER_KINDS.map((kind) => [kind.className, kind]));
const BY_TYPE = new Map(LAYER_KINDS.map((kind) => [kind.type, kind]));

/** The kind of a TF.js class ('Conv2D'), or undefined for a class prune-run does not describe. */
export function kindOf(className: string): LayerKind | undefined {
  return BY_CLASS.get(className);
}

/** The kind of a snake-case layer type ('conv2d'), or undefined. */
export function kindOfType(type: string): LayerKind | undefined {
  return BY_TYPE.get(type);
}

/** A parameter of a kind by its part name ('kernel'), or undefined. */
export function paramOf(kind: LayerKind | undefined, name: string): ParamKind | undefined {
  return kind?.params.find((p) => p.name === name);
}

/** The torch ↔ TF.js layout of a kind's parameter, or null when prune-run does not know it. */
export function paramLayout(kind: LayerKind | undefined, param: string): WeightLayout | null {
  return paramOf(kind, param)?.layout ?? null;
}

/** The classes that have a parameter with a known layout, in table order: 'Conv2D', 'Dense'. */
export const CLASSES_WITH_LAYOUT: readonly string[] = LAYER_KINDS.filter((kind) => kind.params.some((p) => p.layout !== null)).map((kind) => kind.className);

/** Merge layers by class name, with what they do in words. */
export const MERGE_LAYERS: Readonly<Record<string, string>> = Object.fromEntries(
  LAYER_KINDS.flatMap((kind) => (kind.merge === null ? [] : [[kind.className, kind.merge]])),
);
