/**
 * The options users pass, turned into what the core takes: an Amount, a seed, importance scores
 * and masks as typed arrays. Checked at runtime too, since JavaScript callers get no compile-time
 * help.
 */
import * as tf from '@tensorflow/tfjs';
import type { AmountOptions, Importance, MaskInput } from '../methods/index.js';
import { validateAmount, type Amount } from '../prune/index.js';
import { pruneError } from './codes.js';
import type { Target } from './target.js';

/** 'l1_unstructured of 'conv1/kernel' [3, 3, 1, 6]': how errors name the call and the parameter. */
export function contextOf(method: string, target: Target): string {
  return `${method} of '${target.name}' [${target.shape.join(', ')}]`;
}

/** A plain number is a fraction, as the seed's `amount=0.3`. */
export function amountOf(spec: number | AmountOptions, context: string): Amount {
  let amount: Amount;
  if (typeof spec === 'number') amount = { amount: spec };
  else if (spec.amount !== undefined && spec.count === undefined) amount = { amount: spec.amount };
  else if (spec.count !== undefined && spec.amount === undefined) amount = { count: spec.count };
  else {
    throw pruneError(
      'PRUNE_AMOUNT_INVALID',
      `${context}: give exactly one of amount (a fraction in [0, 1]) or count (an integer)`,
    );
  }
  validateAmount(amount, context);
  return amount;
}

/** Random methods are always seeded, so that a rerun prunes the same entries. */
export function seedOf(options: { readonly seed?: unknown }, context: string): number {
  const { seed } = options;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw pruneError(
      'PRUNE_OPTIONS_INVALID',
      `${context}: seed must be an integer (got ${String(seed)}); random pruning is always seeded so a rerun prunes the same entries`,
    );
  }
  return seed;
}

/** A tensor must have the parameter's exact shape: same size in torch's layout is a likely mistake. */
function checkedData(source: tf.Tensor | { readonly length: number }, target: Target, what: string, context: string): void {
  const layoutHint = '(TF.js layout; convert a torch-layout array with torchToTfjs)';
  if (source instanceof tf.Tensor) {
    const same = source.shape.length === target.shape.length && source.shape.every((d, i) => d === target.shape[i]);
    if (!same) {
      throw pruneError(
        'PRUNE_SHAPE_MISMATCH',
        `${context}: the ${what} has shape [${source.shape.join(', ')}], the parameter [${target.shape.join(', ')}] ${layoutHint}`,
      );
    }
    return;
  }
  const size = target.shape.reduce((a, b) => a * b, 1);
  if (source.length !== size) {
    throw pruneError(
      'PRUNE_SHAPE_MISMATCH',
      `${context}: the ${what} has ${String(source.length)} entries, the parameter ${String(size)} ${layoutHint}`,
    );
  }
}

/** The scores as a Float32Array (a copy: later changes by the caller must not reach the state). */
export function importanceOf(source: Importance, target: Target, context: string): Float32Array {
  if (!(source instanceof Float32Array || source instanceof tf.Tensor)) {
    throw pruneError('PRUNE_OPTIONS_INVALID', `${context}: importance must be a Float32Array or a tf.Tensor`);
  }
  checkedData(source, target, 'importance', context);
  // dataSync reads the caller's tensor without making one; the caller keeps ownership of it.
  return Float32Array.from(source instanceof tf.Tensor ? source.dataSync() : source);
}

/** The mask as a Uint8Array of 0/1; any other value is refused rather than read as "kept". */
export function maskOf(source: MaskInput, target: Target, context: string): Uint8Array {
  if (!(source instanceof Uint8Array || source instanceof tf.Tensor)) {
    throw pruneError('PRUNE_OPTIONS_INVALID', `${context}: the mask must be a Uint8Array or a tf.Tensor of 0 and 1`);
  }
  checkedData(source, target, 'mask', context);
  const values = source instanceof tf.Tensor ? source.dataSync() : source;
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1) {
      throw pruneError(
        'PRUNE_MASK_INVALID',
        `${context}: the mask must hold only 0 (pruned) and 1 (kept); entry ${String(i)} is ${String(v)}`,
      );
    }
    mask[i] = v;
  }
  return mask;
}
