/**
 * The seed's local calls on a TF.js layer, one per method descriptor that has an API entry
 * (src/methods/): prune.l1Unstructured(layer, 'kernel', 0.3) is torch's
 * prune.l1_unstructured(module, 'weight', amount=0.3). Each call resolves the parameter, lets the
 * descriptor read its options and build the core method (the same one a recipe step builds), and
 * the store composes it with any earlier mask and writes values × mask into the layer's variable.
 * Like torch, each returns the layer it was given.
 */
import type * as tf from '@tensorflow/tfjs';
import { METHODS, type ApiCall, type Importance, type MethodContext } from '../methods/index.js';
import type { PruningMethod } from '../prune/index.js';
import { pruneError } from './codes.js';
import { axisSpecOf, layoutOf } from './axis.js';
import { amountOf, contextOf, importanceOf, maskOf, seedOf } from './options.js';
import { applyMethod } from './store.js';
import { resolveTarget, type Target } from './target.js';

type WithApi = Extract<(typeof METHODS)[number], { readonly api: { readonly name: string } }>;
type ApiName = WithApi['api']['name'];
type OptionsOf<N extends ApiName> = Parameters<Extract<WithApi, { readonly api: { readonly name: N } }>['api']['build']>[0];

/** prune.<name>(layer, param, options): the layer, pruned. A method whose API takes no options takes two arguments. */
export type PruneCall<O> = <L extends tf.layers.Layer>(layer: L, param: string, ...options: [O] extends [void] ? [] : [options: O]) => L;

/** The functions of the `prune` namespace that apply one method to one parameter. */
export type MethodCalls = { readonly [N in ApiName]: PruneCall<OptionsOf<N>> };

function callOf(target: Target, context: string): ApiCall {
  const layout = layoutOf(target);
  return {
    context,
    layout,
    shape: target.shape,
    name: target.name,
    amount: (options) => amountOf(options, context),
    axis: (options) => axisSpecOf(target, options, context),
    seed: (options) => seedOf(options, context),
    mask: (input) => maskOf(input, target, context),
    layoutNeeded: (need) => {
      if (layout === null) throw pruneError('PRUNE_LAYOUT_UNKNOWN', `${context}: ${need}`);
      return layout;
    },
    methodContext: (seed): MethodContext => ({ seed, layout, shape: target.shape, paramName: target.name }),
  };
}

/** The importance scores an options object gives, when the method ranks by them. */
function importanceGiven(options: unknown): Importance | undefined {
  if (typeof options !== 'object' || options === null || !('importance' in options)) return undefined;
  return (options as { readonly importance?: Importance }).importance;
}

function apply(target: Target, method: PruningMethod, importance: Importance | undefined, context: string): void {
  const scores = importance === undefined ? undefined : new Map([[target.name, importanceOf(importance, target, context)]]);
  applyMethod([target], { scope: 'local', methodFor: () => method }, scores);
}

function methodCalls(): MethodCalls {
  const calls: Record<string, PruneCall<unknown>> = {};
  for (const descriptor of METHODS) {
    const api = descriptor.api;
    if (api === null) continue;
    const build = api.build as (options: unknown, call: ApiCall) => PruningMethod;
    calls[api.name] = ((layer: tf.layers.Layer, param: string, options?: unknown) => {
      const target = resolveTarget(layer, param);
      const context = contextOf(descriptor.name, target);
      const method = build(options, callOf(target, context));
      apply(target, method, descriptor.traits.importance ? importanceGiven(options) : undefined, context);
      return layer;
    }) as PruneCall<unknown>;
  }
  return calls as MethodCalls;
}

export const METHOD_CALLS: MethodCalls = methodCalls();
