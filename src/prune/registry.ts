/**
 * Method registry: a static map from a spec's method name to the factory that builds its
 * PruningMethod. Adding a method means adding a spec variant (spec.ts) and one entry here; the
 * compiler checks that every name has a factory. No dynamic imports, no lookup by naming
 * convention, no registration as an import side effect.
 */
import { PruneError } from '../errors.js';
import { SeededRandom } from '../util/random.js';
import { resolveAxis, torchDimOf } from './axis.js';
import { checkedPlugin } from './checked.js';
import { customFromMask, identity } from './fixed.js';
import type { WeightLayout } from './layout.js';
import type { PruningMethod } from './method.js';
import { normOrderFor } from './norm.js';
import type { PruningPlugin } from './plugin.js';
import { semiStructured } from './semiStructured.js';
import type { AxisSpec, MethodSpec } from './spec.js';
import { lnStructured, randomStructured } from './structured.js';
import { l1Unstructured, randomUnstructured } from './unstructured.js';

/** What a factory may need to know about the tensor the method will prune. */
export interface MethodContext {
  /** Seed of the stream a random method draws from; other methods ignore it. */
  readonly seed: number;
  /** The parameter's weight layout; a structured method needs it to place its axis. null: unknown. */
  readonly layout: WeightLayout | null;
  /** The parameter's TF.js shape ([total] for a global pool). */
  readonly shape: readonly number[];
  /** Names the parameter in error messages. */
  readonly paramName?: string;
  /**
   * custom_from_mask only: the mask its spec refers to, read by the caller, 0/1 in TF.js layout
   * (the spec names a file; the core reads no files).
   */
  readonly mask?: Uint8Array;
  /**
   * custom only: the plugin the spec's PluginReference names, already loaded by the caller (the
   * spec names a module; the core imports nothing).
   */
  readonly plugin?: PruningPlugin;
}

type Factory<S extends MethodSpec> = (spec: S, context: MethodContext) => PruningMethod;
type Registry = { readonly [N in MethodSpec['method']]: Factory<Extract<MethodSpec, { readonly method: N }>> };

const random = (context: MethodContext): SeededRandom => new SeededRandom(context.seed);

/**
 * The TF.js axis, and the history fields that say how it was asked for: the core records the
 * TF.js `axis`; `torch_dim` lets a reader check it against a ported torch call.
 */
function placeAxis(spec: { readonly axis: AxisSpec }, context: MethodContext): { axis: number; record: Record<string, unknown> } {
  const axis = resolveAxis(spec.axis, context.layout, context.shape, context.paramName);
  const torchDim = context.layout === null ? null : torchDimOf(spec.axis, context.layout);
  const asked = spec.axis.kind === 'meaning' ? { channels: spec.axis.value } : {};
  return { axis, record: { axis, torch_dim: torchDim, ...asked } };
}

/** The same method with extra fields in its history record. */
function recorded<M extends PruningMethod>(method: M, extra: Record<string, unknown>): M {
  return { ...method, describe: () => ({ ...method.describe(), ...extra }) };
}

const REGISTRY: Registry = {
  identity: () => identity(),
  l1_unstructured: (spec) => l1Unstructured(spec.amount),
  random_unstructured: (spec, context) => randomUnstructured(spec.amount, random(context)),
  ln_structured: (spec, context) => {
    const { axis, record } = placeAxis(spec, context);
    const order = normOrderFor(spec.n, context.shape.length - 1, context.paramName);
    // n as written (fro stays fro in the history even though it ranks as 2).
    return recorded(lnStructured(spec.amount, order, axis), { n: spec.n, ...record });
  },
  random_structured: (spec, context) => {
    const { axis, record } = placeAxis(spec, context);
    return recorded(randomStructured(spec.amount, axis, random(context)), record);
  },
  custom_from_mask: (spec, context) => {
    if (context.mask === undefined) {
      throw new PruneError(
        'PRUNE_SHAPE_MISMATCH',
        `'${context.paramName ?? 'tensor'}': custom_from_mask needs the mask of '${spec.mask.tensor}' read from ${spec.mask.file}`,
      );
    }
    // Which tensor, beside its effect (the core's record); the values stay in the file.
    return recorded(customFromMask(context.mask), { tensor: spec.mask.tensor, layout: spec.mask.layout });
  },
  semi_structured: (spec, context) => {
    if (context.layout === null) {
      throw new PruneError(
        'PRUNE_SHAPE_MISMATCH',
        `'${context.paramName ?? 'tensor'}': semi_structured needs a conv2d or dense kernel, whose layout says which axis holds the inputs`,
      );
    }
    return semiStructured(spec.pattern, context.layout);
  },
  custom: (spec, context) => {
    const reference = spec.plugin;
    const name = context.paramName ?? 'tensor';
    if (reference === null || context.plugin === undefined) {
      throw new PruneError('PRUNE_PLUGIN_INVALID', `'${name}': the custom method of ${spec.module} needs its plugin loaded first (prepareRun loads it)`);
    }
    if (context.plugin.kind !== reference.kind || context.plugin.name !== reference.name) {
      throw new PruneError(
        'PRUNE_PLUGIN_INVALID',
        `'${name}': the plugin given is "${context.plugin.name}" (${context.plugin.kind}), the plan names "${reference.name}" (${reference.kind}) of ${reference.file}`,
      );
    }
    const placed = reference.kind === 'structured' && spec.axis !== undefined ? placeAxis({ axis: spec.axis }, context) : null;
    // The module as the recipe names it; its real path and sha256 are in the plan and the manifest.
    const history = {
      method: 'custom',
      plugin: reference.name,
      kind: reference.kind,
      module: spec.module,
      ...(Object.keys(spec.options).length > 0 ? { options: spec.options } : {}),
      ...(placed?.record ?? {}),
    };
    return checkedPlugin(context.plugin, { file: reference.file }, spec.options, placed?.axis ?? null, () => history);
  },
};

/**
 * Builds the PruningMethod a spec describes, for the tensor `context` describes. Throws the core's
 * PruneError for anything invalid (amount, axis, norm order).
 */
export function createMethod(spec: MethodSpec, context: MethodContext): PruningMethod {
  // Indexing the mapped type by a union key loses the link between the key and the spec's type;
  // the map's own type guarantees REGISTRY[spec.method] accepts this spec.
  const factory = REGISTRY[spec.method] as Factory<MethodSpec>;
  return factory(spec, context);
}
