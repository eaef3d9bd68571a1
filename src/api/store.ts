/**
 * Where the pruning state lives: beside each layer, in a module-level WeakMap from the layer to
 * a MaskSet keyed by weight name ('conv1/kernel'). Like torch's weight_mask buffer it travels with
 * the layer (and is collected with it), but nothing is hooked into the layer: the layer's variable
 * simply holds values × mask after every call, and training keeps it there
 * (engine/maskBinding.ts). No copy of the weights is kept beside it (torch's weight_orig): see
 * prune/parameter.ts.
 *
 * Every mutation of that state goes through this file.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  effectiveWeights,
  MaskSet,
  pruneGlobal,
  pruneParameter,
  type GlobalPruneOptions,
  type ParameterState,
  type PruningMethod,
} from '../prune/index.js';
import { pruneError } from './codes.js';
import { paramNameOf, type Target } from './target.js';
import { readValues, writeValues } from './variables.js';

export type PruneScope = 'local' | 'global';
export const PRUNE_SCOPES: readonly PruneScope[] = ['local', 'global'];

const registry = new WeakMap<tf.layers.Layer, MaskSet>();

function setFor(layer: tf.layers.Layer): MaskSet {
  let set = registry.get(layer);
  if (set === undefined) {
    set = new MaskSet();
    registry.set(layer, set);
  }
  return set;
}

/** Names of the layer's pruned parameters, without touching their values. */
export function prunedNames(layer: tf.layers.Layer): string[] {
  return registry.get(layer)?.names() ?? [];
}

/**
 * The layer's pruning states with the variables' current values (training moved the kept entries
 * since the last call), as detached states: the registry itself keeps masks and history only
 * (see the header), so it holds no copy of the weights between calls.
 */
export function refreshedStates(layer: tf.layers.Layer, targets: ReadonlyMap<string, Target>): ParameterState[] {
  const set = registry.get(layer);
  if (set === undefined) return [];
  return set.names().map((name) => {
    const state = set.get(name)!;
    const target = targets.get(name);
    // A tracked weight the layer no longer has has no values to read: its state comes without.
    return { ...state, values: target === undefined ? state.values : readValues(target) };
  });
}

/**
 * Copies of the layer's masks and histories, without reading any variable: what a checkpoint
 * keeps of the pruning (replacePruningStates puts it back).
 */
export function maskStates(layer: tf.layers.Layer): { name: string; shape: readonly number[]; mask: Uint8Array; history: Record<string, unknown>[] }[] {
  const set = registry.get(layer);
  if (set === undefined) return [];
  return set.names().map((name) => {
    const state = set.get(name)!;
    return { name, shape: [...state.shape], mask: Uint8Array.from(state.mask), history: structuredClone(state.history) };
  });
}

/** Ends a call: the states drop the values they borrowed for it. */
function releaseAll(targets: readonly Target[]): void {
  for (const t of targets) {
    const set = registry.get(t.layer);
    if (set?.has(t.name) === true) set.release(t.name);
  }
}

function checkTargets(targets: readonly Target[], scope: PruneScope): void {
  const code = scope === 'global' ? 'PRUNE_GLOBAL_INVALID' : 'PRUNE_TARGETS_INVALID';
  if (targets.length === 0) throw pruneError(code, `${scope} pruning needs at least one parameter`);
  const seen = new Map<string, Target>();
  for (const t of targets) {
    const earlier = seen.get(t.name);
    if (earlier !== undefined) {
      throw pruneError(
        code,
        earlier.variable === t.variable
          ? `${scope} pruning lists '${t.name}' twice`
          : `${scope} pruning is given two different weights named '${t.name}' (layers of two models?)`,
      );
    }
    seen.set(t.name, t);
  }
}

/** The method for one target of a local step (parameters may need different ones: layout, seed). */
export type MethodFor = (target: Target) => PruningMethod;

/**
 * Applies methods to the targets with torch's semantics: local, the core's pruneParameter with
 * `method(target)` for each target in order; global, one pruneGlobal with `method` over all. Then
 * writes values × mask into each variable.
 *
 * All or nothing: if anything throws for any target, every state is put back as it was
 * (parameters tracked by this call are forgotten again) and no variable is written.
 */
export function applyMethod(
  targets: readonly Target[],
  method:
    | { readonly scope: 'local'; readonly methodFor: MethodFor }
    | { readonly scope: 'global'; readonly method: PruningMethod; readonly options?: GlobalPruneOptions },
  importance?: ReadonlyMap<string, Float32Array>,
): void {
  checkTargets(targets, method.scope);
  const undo: (() => void)[] = [];
  const states: ParameterState[] = [];
  try {
    for (const t of targets) {
      const set = setFor(t.layer);
      const isNew = !set.has(t.name);
      const state = set.track(t.name, t.shape, readValues(t));
      const { mask, history } = state;
      const length = history.length;
      // The core replaces `mask` on success and appends to `history`; restoring both undoes it.
      undo.push(
        isNew
          ? () => void set.remove(t.name)
          : () => {
              state.mask = mask;
              history.length = length;
            },
      );
      states.push(state);
    }
    if (method.scope === 'global') pruneGlobal(states, method.method, importance, method.options);
    else targets.forEach((t, i) => pruneParameter(states[i]!, method.methodFor(t), importance?.get(t.name)));
  } catch (error) {
    for (const restore of undo.reverse()) restore();
    releaseAll(targets);
    throw error;
  }
  try {
    targets.forEach((t, i) => writeValues(t, effectiveWeights(states[i]!)));
  } finally {
    releaseAll(targets);
  }
}

/**
 * torch's prune.remove: the variable keeps values × mask for good (values read first, so training
 * since the last call is kept) and the state is dropped.
 */
export function removePruning(target: Target): void {
  const set = registry.get(target.layer);
  if (set === undefined || !set.has(target.name)) {
    const others = set?.names() ?? [];
    throw pruneError(
      'PRUNE_NOT_PRUNED',
      `'${target.name}' is not pruned, so there is no pruning to remove` +
        (others.length > 0
          ? ` (pruned in layer '${target.layer.name}': ${others.map((n) => paramNameOf(target.layer, n)).join(', ')})`
          : ''),
    );
  }
  set.track(target.name, target.shape, readValues(target));
  writeValues(target, set.remove(target.name));
}

/**
 * Lottery-ticket rewinding: every target's weights go back to `values` (by weight name) with its
 * mask kept: a pruned parameter's variable holds values × mask (as loading weight_orig from a
 * checkpoint in torch gives); any other weight is set as is.
 * Every name is checked against its target before anything is written.
 */
export function rewindWeights(targets: readonly Target[], values: ReadonlyMap<string, Float32Array>): void {
  for (const t of targets) {
    const given = values.get(t.name);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (given === undefined || given.length !== n) {
      throw pruneError(
        'PRUNE_SHAPE_MISMATCH',
        `cannot rewind '${t.name}': ${given === undefined ? 'the snapshot has no values for it' : `the snapshot has ${String(given.length)} values for its ${String(n)} entries`}`,
      );
    }
  }
  for (const t of targets) {
    const given = values.get(t.name)!;
    const state = registry.get(t.layer)?.get(t.name);
    if (state === undefined) {
      writeValues(t, given);
      continue;
    }
    state.values = given; // borrowed for this write only
    writeValues(t, effectiveWeights(state));
    releaseAll([t]);
  }
}

/**
 * Replaces every pruning state of the model's layers with `states` (a checkpoint being restored):
 * layers not named lose theirs. The variables are not written: the checkpoint's weights, restored
 * first, already hold values × mask, and each state reads its values from them.
 */
export function replacePruningStates(
  targets: ReadonlyMap<string, Target>,
  states: readonly { name: string; shape: readonly number[]; mask: Uint8Array; history: readonly Record<string, unknown>[] }[],
): void {
  for (const target of targets.values()) registry.delete(target.layer);
  for (const state of states) {
    const target = targets.get(state.name);
    if (target === undefined) throw pruneError('PRUNE_UNKNOWN_PARAMETER', `cannot restore the pruning of '${state.name}': the model has no such weight`);
    const set = setFor(target.layer);
    const tracked = set.track(state.name, state.shape, readValues(target)); // checks the shape
    tracked.mask = Uint8Array.from(state.mask);
    tracked.history.push(...structuredClone(state.history));
    set.release(state.name);
  }
}
