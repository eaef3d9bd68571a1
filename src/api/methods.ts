/**
 * The seed's local calls on a TF.js layer: prune.l1Unstructured(layer, 'kernel', 0.3) is torch's
 * prune.l1_unstructured(module, 'weight', amount=0.3). Each call resolves the parameter, writes the
 * call as the core's MethodSpec (the same plain data a recipe compiles to) and builds the method
 * through the core's registry, so a call and the equivalent recipe step validate, prune and record
 * history identically. The store then composes with any earlier mask and writes values × mask
 * into the layer's variable. Like torch, each returns the layer it was given.
 */
import type * as tf from '@tensorflow/tfjs';
import { checkGroupShape, customFromMask as customMaskMethod, validatePattern, type PruningMethod } from '../prune/index.js';
import { pruneError } from './codes.js';
import { createMethod } from '../prune/registry.js';
import type { MethodSpec, NormSpec } from '../prune/spec.js';
import { axisSpecOf, layoutOf, type AxisOptions } from './axis.js';
import {
  amountOf,
  contextOf,
  importanceOf,
  maskOf,
  seedOf,
  type AmountOptions,
  type Importance,
  type MaskInput,
} from './options.js';
import { applyMethod } from './store.js';
import { resolveTarget, type Target } from './target.js';

export interface ImportanceOption {
  /** Rank entries by these scores instead of the weights (torch's importance_scores). */
  readonly importance?: Importance | undefined;
}

export interface SeedOption {
  /** Random methods are always seeded: the same seed on the same state prunes the same entries. */
  readonly seed: number;
}

export interface NormOption {
  /** torch.norm's p: a number > 0, 'inf', '-inf', or 'fro' / 'nuc' where torch.norm accepts them. */
  readonly n: NormSpec;
}

export type L1UnstructuredOptions = AmountOptions & ImportanceOption;
export type RandomUnstructuredOptions = AmountOptions & SeedOption;
export type LnStructuredOptions = AmountOptions & AxisOptions & NormOption & ImportanceOption;
export type RandomStructuredOptions = AmountOptions & AxisOptions & SeedOption;
/** Keep `n` of every `m` consecutive weights along the kernel's input axis (2:4 is {n: 2, m: 4}). */
export type SemiStructuredOptions = { readonly n: number; readonly m: number } & ImportanceOption;

/** Builds the spec's method for this parameter and applies it; seed 0 where no method draws one. */
function applySpec(target: Target, spec: MethodSpec, seed: number, importance: Importance | undefined, context: string): void {
  // Structured specs reach here only with a known layout (axisSpecOf checked it, naming the layer).
  const method = createMethod(spec, { seed, layout: layoutOf(target), shape: target.shape, paramName: target.name });
  applyOne(target, method, importance, context);
}

function applyOne(target: Target, method: PruningMethod, importance: Importance | undefined, context: string): void {
  const scores = importance === undefined ? undefined : new Map([[target.name, importanceOf(importance, target, context)]]);
  applyMethod([target], { scope: 'local', methodFor: () => method }, scores);
}

/** Prunes the entries of smallest |weight| (or importance); a plain number is a fraction. */
export function l1Unstructured<L extends tf.layers.Layer>(layer: L, param: string, amount: number | L1UnstructuredOptions): L {
  const target = resolveTarget(layer, param);
  const context = contextOf('l1_unstructured', target);
  const spec: MethodSpec = { method: 'l1_unstructured', amount: amountOf(amount, context) };
  applySpec(target, spec, 0, typeof amount === 'number' ? undefined : amount.importance, context);
  return layer;
}

/** Prunes entries chosen by a generator seeded with `seed` (exact count; the choice is not torch's). */
export function randomUnstructured<L extends tf.layers.Layer>(layer: L, param: string, options: RandomUnstructuredOptions): L {
  const target = resolveTarget(layer, param);
  const context = contextOf('random_unstructured', target);
  const spec: MethodSpec = { method: 'random_unstructured', amount: amountOf(options, context) };
  applySpec(target, spec, seedOf(options, context), undefined, context);
  return layer;
}

/** Prunes the whole channels (axis 'out' / 'in', or torch `dim`) of smallest Ln norm. */
export function lnStructured<L extends tf.layers.Layer>(layer: L, param: string, options: LnStructuredOptions): L {
  const target = resolveTarget(layer, param);
  const context = contextOf('ln_structured', target);
  const amount = amountOf(options, context);
  const axis = axisSpecOf(target, options, context);
  applySpec(target, { method: 'ln_structured', amount, n: options.n, axis }, 0, options.importance, context);
  return layer;
}

/** Prunes whole channels (axis 'out' / 'in', or torch `dim`) chosen by a generator seeded with `seed`. */
export function randomStructured<L extends tf.layers.Layer>(layer: L, param: string, options: RandomStructuredOptions): L {
  const target = resolveTarget(layer, param);
  const context = contextOf('random_structured', target);
  const amount = amountOf(options, context);
  const axis = axisSpecOf(target, options, context);
  applySpec(target, { method: 'random_structured', amount, axis }, seedOf(options, context), undefined, context);
  return layer;
}

/**
 * N:M semi-structured sparsity (TF Model Optimization's 2:4): in every group of `m` consecutive
 * weights along the kernel's input axis (dense [in, out]: axis 0; conv2d [kh, kw, in, out]:
 * axis 2) keeps the `n` of largest |w| (or importance). Composes: entries pruned before stay
 * pruned and count among the group's pruned.
 */
export function semiStructured<L extends tf.layers.Layer>(layer: L, param: string, options: SemiStructuredOptions): L {
  const target = resolveTarget(layer, param);
  const context = contextOf('semi_structured', target);
  const layout = layoutOf(target);
  if (layout === null) {
    throw pruneError(
      'PRUNE_LAYOUT_UNKNOWN',
      `${context}: semi_structured needs the kernel of a Conv2D or Dense layer, whose layout says which axis holds the inputs`,
    );
  }
  const pattern = { n: options.n, m: options.m };
  validatePattern(pattern, context);
  checkGroupShape(layout, target.shape, pattern.m, target.name);
  applySpec(target, { method: 'semi_structured', pattern }, 0, options.importance, context);
  return layer;
}

/** Starts pruning a parameter with a mask of ones (torch uses it to reparametrise without pruning). */
export function identity<L extends tf.layers.Layer>(layer: L, param: string): L {
  const target = resolveTarget(layer, param);
  applySpec(target, { method: 'identity' }, 0, undefined, contextOf('identity', target));
  return layer;
}

/**
 * Multiplies a given 0/1 mask (TF.js layout) into the parameter's mask. Not a spec: a mask is
 * data, not something a recipe writes inline.
 */
export function customFromMask<L extends tf.layers.Layer>(layer: L, param: string, mask: MaskInput): L {
  const target = resolveTarget(layer, param);
  const context = contextOf('custom_from_mask', target);
  applyOne(target, customMaskMethod(maskOf(mask, target, context)), undefined, context);
  return layer;
}
