/**
 * torch's prune.global_unstructured(parameters, pruning_method, amount=...): one selection over
 * several parameters of several layers together. The core does the pooling (pruneGlobal) and the
 * method's descriptor builds it, as for a recipe's global step; this file resolves the
 * (layer, name) pairs and the options.
 */
import type * as tf from '@tensorflow/tfjs';
import { createMethod, METHODS, type AmountOptions, type Importance } from '../methods/index.js';
import { pruneError } from './codes.js';
import { amountOf, importanceOf, seedOf } from './options.js';
import { applyMethod } from './store.js';
import { resolveTarget } from './target.js';

type GlobalDescriptor = Exclude<(typeof METHODS)[number], { readonly global: null }>;
/** torch's pruning_method=prune.L1Unstructured / prune.RandomUnstructured: the descriptors' global API names. */
export type GlobalMethod = GlobalDescriptor['global']['apiName'];
const DESCRIPTORS: ReadonlyMap<string, GlobalDescriptor> = new Map(
  METHODS.filter((d): d is GlobalDescriptor => d.global !== null).map((d) => [d.global.apiName, d]),
);
export const GLOBAL_METHODS = [...DESCRIPTORS.keys()] as readonly GlobalMethod[];

export type GlobalOptions = AmountOptions &
  (
    | {
        readonly method: 'l1';
        readonly seed?: undefined;
        /** Layer-collapse guard: no parameter ends with more than this fraction pruned (not in torch). */
        readonly maxSparsityPerLayer?: number;
      }
    | { readonly method: 'random'; readonly seed: number; readonly maxSparsityPerLayer?: undefined }
  );

/** [layer, 'kernel'] as in torch's `parameters` tuples, optionally with that parameter's scores. */
export type GlobalParameter =
  | readonly [layer: tf.layers.Layer, param: string]
  | readonly [layer: tf.layers.Layer, param: string, importance: Importance];

/** Prunes `amount` of all the given parameters' still-unpruned entries, by one threshold. */
export function globalUnstructured(parameters: readonly GlobalParameter[], options: GlobalOptions): void {
  const targets = parameters.map(([layer, param]) => resolveTarget(layer, param));
  const context = `global_unstructured over ${targets.map((t) => `'${t.name}'`).join(', ') || 'no parameters'}`;
  const descriptor = DESCRIPTORS.get(options.method);
  if (descriptor === undefined) {
    throw pruneError(
      'PRUNE_OPTIONS_INVALID',
      `${context}: method '${String(options.method)}' is not one of ${GLOBAL_METHODS.join(', ')}`,
    );
  }
  const amount = amountOf(options, context);
  const seed = descriptor.traits.seeded ? seedOf(options, context) : 0;
  const total = targets.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  const importance = new Map<string, Float32Array>();
  parameters.forEach((entry, i) => {
    const target = targets[i]!;
    // As torch, random methods accept scores and ignore them.
    if (entry[2] !== undefined) importance.set(target.name, importanceOf(entry[2], target, context));
  });
  // The pool has no layout: global methods are unstructured.
  const pooled = createMethod(descriptor.resolve({}, { amount, axis: null, mask: undefined }), { seed, layout: null, shape: [total] });
  const cap = options.maxSparsityPerLayer;
  applyMethod(
    targets,
    { scope: 'global', method: pooled, ...(cap === undefined ? {} : { options: { maxSparsityPerLayer: cap } }) },
    importance.size > 0 ? importance : undefined,
  );
}
