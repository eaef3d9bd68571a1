/**
 * The pruning methods prune-run knows, one descriptor each: the one list the validator, resolver,
 * planner, engine and TS API iterate. Adding a method: its descriptor file here (with its
 * computeMask when the maths is new), its line in METHODS, its entry in
 * schemas/recipe.schema.json (README, "Adding a method").
 */
import { custom } from './custom.js';
import { customFromMask } from './customFromMask.js';
import { identity } from './identity.js';
import { l1Unstructured } from './l1Unstructured.js';
import { lnStructured } from './lnStructured.js';
import { randomStructured } from './randomStructured.js';
import { randomUnstructured } from './randomUnstructured.js';
import { semiStructured } from './semiStructured.js';
import type { MethodContext, MethodDescriptor, SpecBase } from './types.js';
import type { PruningMethod } from '../prune/method.js';

/** In the order the schema's `method` enum lists them. */
export const METHODS = [
  identity,
  l1Unstructured,
  randomUnstructured,
  lnStructured,
  randomStructured,
  customFromMask,
  semiStructured,
  custom,
] as const;

type Descriptor = (typeof METHODS)[number];

/** Every method's spec: the plain data a recipe compiles to and the plan carries. */
export type MethodSpec = Descriptor extends infer D ? (D extends MethodDescriptor<infer S, string, unknown> ? S : never) : never;
export type MethodName = MethodSpec['method'];
export const METHOD_NAMES: readonly MethodName[] = METHODS.map((d) => d.name);

/** The methods a global step takes (they rank single entries across parameters). */
export type GlobalMethodName = Exclude<Descriptor, { readonly global: null }>['name'];
export type GlobalMethodSpec = Extract<MethodSpec, { readonly method: GlobalMethodName }>;
export const GLOBAL_METHOD_NAMES = METHODS.filter((d) => d.global !== null).map((d) => d.name) as readonly GlobalMethodName[];

/** A descriptor's data (no functions): what validation hints, docs and tests read of every method alike. */
export type MethodInfo = Pick<MethodDescriptor, 'name' | 'summary' | 'traits' | 'fields' | 'global' | 'globalRefusal'>;
export const METHOD_INFO: readonly MethodInfo[] = METHODS;

/** Any descriptor, its spec type erased: what the machinery that iterates the list works with. */
export type AnyMethodDescriptor = MethodDescriptor<SpecBase, string, never>;

const BY_NAME: ReadonlyMap<string, AnyMethodDescriptor> = new Map(METHODS.map((d) => [d.name, d as unknown as AnyMethodDescriptor]));

/** The descriptor of a spec's method (every spec names one: MethodSpec is built from METHODS). */
export function methodOf(spec: SpecBase): AnyMethodDescriptor {
  const descriptor = BY_NAME.get(spec.method);
  if (descriptor === undefined) throw new Error(`no pruning method '${spec.method}' (methods: ${METHOD_NAMES.join(', ')})`);
  return descriptor;
}

/** The descriptor a recipe's `method:` names, or undefined. */
export function methodNamed(name: string): AnyMethodDescriptor | undefined {
  return BY_NAME.get(name);
}

/** Builds the core method a spec describes, for the tensor `context` describes. */
export function createMethod(spec: MethodSpec, context: MethodContext): PruningMethod {
  return methodOf(spec).create(spec, context);
}

/** Structured methods: those whose amounts count channels along an axis. */
export function isStructuredSpec(spec: MethodSpec): spec is Extract<MethodSpec, { readonly method: 'ln_structured' | 'random_structured' }> {
  return methodOf(spec).traits.axis === 'required';
}

export type { CustomMethodSpec } from './custom.js';
export type { L1UnstructuredOptions } from './l1Unstructured.js';
export type { LnStructuredOptions } from './lnStructured.js';
export type { NormOption } from '../prune/norm.js';
export type { RandomStructuredOptions } from './randomStructured.js';
export type { RandomUnstructuredOptions } from './randomUnstructured.js';
export type { SemiStructuredOptions } from './semiStructured.js';
export type * from './types.js';
