/**
 * Executes a plan's prune task on a TF.js model through the library API (src/api) — the same
 * calls a TypeScript user makes, so recipes and the API have one implementation. Each group's
 * method is built from its plain-data spec by its descriptor (src/methods/); pruning composes with earlier
 * masks (torch's container semantics); `remove` then makes pruning permanent. A plugin's
 * computeMask runs in its own thread, so a group with a plugin is applied in rounds
 * (src/plugins/calls.ts), awaiting the thread between them, stoppable by the task's abort signal.
 */
import type * as tf from '@tensorflow/tfjs';
import { pruneByName, removeByName } from '../api/index.js';
import { lnStructuredGroups } from '../api/groupNorm.js';
import { EngineError } from '../errors.js';
import type { ImportanceSource, PlannedPrune, PruneGroup, PruneTask } from '../plan/types.js';
import { fromTorchLayout } from '../prune/torchLayout.js';
import { methodOf } from '../methods/index.js';
import type { MaskReference, PluginReference } from '../prune/spec.js';
import type { PruningPlugin } from '../prune/plugin.js';
import { loadedPlugin, PendingPluginCall, PluginCalls, type PluginHost } from '../plugins/index.js';
import { maskValues } from '../recipe/masks.js';
import { decodeSafetensors, type SafetensorsTensor } from '../formats/safetensors.js';
import { SeededRandom } from '../util/random.js';
import { readHashedFileSync } from '../util/sha256.js';
import type { AllocationOutcome } from './allocation.js';
import { readWeight, weightNamed } from './weights.js';

/**
 * A tensor the recipe names in a file (a mask, scores), read from the file the load step checked:
 * it must be the one checked (same sha256), so nothing is applied unchecked.
 */
function readTensor(reference: MaskReference, role: 'mask' | 'scores'): SafetensorsTensor {
  const read = readHashedFileSync(reference.file, reference.sha256);
  if (!read.ok && read.problem === 'unreadable') {
    throw new EngineError('MASK_FILE', `cannot read ${role} file ${reference.file}: ${read.reason}`);
  }
  if (!read.ok) {
    throw new EngineError('MASK_FILE', `${role} file ${reference.file} changed since the recipe was checked; run the recipe again`);
  }
  const tensor = decodeSafetensors(read.bytes).tensors.get(reference.tensor);
  if (tensor === undefined) throw new EngineError('MASK_FILE', `${role} file ${reference.file} has no tensor "${reference.tensor}"`);
  return tensor;
}

/** The scores that rank a parameter's entries, TF.js layout; undefined: its weights (the core's default). */
function importanceOf(model: tf.LayersModel, source: ImportanceSource): Float32Array | undefined {
  // The variable holds the effective weights (values × mask), what torch's module.weight gives.
  if (source.kind === 'weights') return undefined;
  if (source.kind === 'parameter') return readWeight(weightNamed(model, source.name));
  const tensor = readTensor(source.tensor, 'scores');
  // The load step checked the dtype; a file of the same hash has the same.
  if (tensor.dtype !== 'F32') throw new EngineError('MASK_FILE', `scores tensor "${source.tensor.tensor}" is ${tensor.dtype}, not F32`);
  if (source.tensor.layout === 'tfjs') return tensor.data;
  // The planner refuses layout: torch on a parameter without a known layout; reaching here is a bug.
  if (source.layout === null) throw new EngineError('MASK_FILE', `scores tensor "${source.tensor.tensor}": a torch-layout tensor needs a conv2d or dense kernel`);
  return fromTorchLayout(source.layout, tensor.data, tensor.shape, { flattenedFrom: source.flattenedFrom }).values;
}

/** The scores of a group's parameters by name (global: its mapping; local: one source for all); undefined: none. */
function importanceByName(model: tf.LayersModel, group: PruneGroup): Map<string, Float32Array> | undefined {
  const local = importanceOf(model, group.importance);
  if (local !== undefined) return new Map(group.parameters.map((name) => [name, local]));
  const given = Object.entries(group.importanceByParameter ?? {}).filter(([name]) => group.parameters.includes(name));
  const scores = given.flatMap(([name, source]) => {
    const values = importanceOf(model, source);
    return values === undefined ? [] : [[name, values] as const];
  });
  return scores.length === 0 ? undefined : new Map(scores);
}

/** custom_from_mask's mask, read from the file the recipe step checked, in TF.js layout. */
function readMask(reference: MaskReference, planned: PlannedPrune | undefined, paramName: string): Uint8Array {
  const tensor = readTensor(reference, 'mask');
  const values = maskValues(tensor, reference.tensor);
  if (reference.layout === 'tfjs') return values;
  const layout = planned?.layout ?? null;
  if (layout === null) {
    // The planner refuses layout: torch on a parameter without a known layout; reaching here is a bug.
    throw new EngineError('MASK_FILE', `'${paramName}': a torch-layout mask needs a conv2d or dense kernel`);
  }
  return fromTorchLayout(layout, values, tensor.shape, { flattenedFrom: planned?.flattenedFrom }).values;
}

/** The plugin a spec names, as prepareRun loaded it (src/plugins/loaded.ts). */
function pluginOf(reference: PluginReference | null, module: string): PluginHost {
  if (reference === null) throw new EngineError('PLUGIN_NOT_LOADED', `the plugin module ${module} was not loaded before planning`);
  return loadedPlugin(reference);
}

/** The plugin as the core calls it: answered from its thread by `calls`. */
function pluginView(host: PluginHost, calls: PluginCalls | undefined): PruningPlugin {
  if (calls === undefined) throw new EngineError('PLUGIN_NOT_LOADED', `plugin "${host.name}" is called only through applyPruneTask, which awaits its thread`);
  return calls.view(host);
}

/**
 * Applies one group (all or nothing). `calls` answers a plugin's computeMask (see
 * applyGroupWithPlugins); a group whose method is a plugin needs it.
 */
export function applyGroup(model: tf.LayersModel, group: PruneGroup, scope: PruneTask['scope'], calls?: PluginCalls): void {
  if (scope === 'global' && group.importance.kind !== 'weights') {
    throw new EngineError('PRUNE_IMPORTANCE', 'a global step takes its importance by parameter (importanceByParameter)');
  }
  const importance = importanceByName(model, group);
  const spec = group.method;
  const method = methodOf(spec);
  // A plugin's method: the loaded plugin, once per group, after checking its file still has the plan's hash.
  const plugin = method.pluginOf === undefined ? {} : { plugin: pluginView(pluginOf(method.pluginOf(spec), 'module' in spec ? spec.module : spec.method), calls) };
  const maskFile = method.maskOf?.(spec);
  pruneByName(
    model,
    group.parameters,
    (target) =>
      scope === 'global'
        ? method.create(spec, { seed: group.seed, layout: null, shape: target.shape })
        : method.create(spec, {
            // One stream per parameter: its mask does not depend on the other parameters selected.
            seed: SeededRandom.derive(group.seed, target.name).nextSeed(),
            layout: group.planned[target.name]?.layout ?? target.layout,
            shape: target.shape,
            paramName: target.name,
            ...(maskFile === undefined ? {} : { mask: readMask(maskFile, group.planned[target.name], target.name) }),
            ...plugin,
          }),
    {
      scope,
      importance,
      maxSparsityPerLayer: group.maxSparsityPerLayer,
    },
  );
}

/**
 * Applies a group whose plugin answers from its thread: a round of applyGroup per call not yet
 * answered (each round is undone until the last, which applies every answer). A group without a
 * plugin takes one round.
 */
async function applyGroupWithPlugins(model: tf.LayersModel, group: PruneGroup, scope: PruneTask['scope'], signal?: AbortSignal): Promise<void> {
  const calls = new PluginCalls();
  for (;;) {
    try {
      applyGroup(model, group, scope, calls);
      return;
    } catch (error) {
      if (!(error instanceof PendingPluginCall)) throw error;
      await calls.answer(error, signal);
    }
  }
}

/**
 * Applies the task's groups, then its channel-group targets, then its removals; returns the
 * parameters its group targets masked (beyond the groups' own). A group that allocates
 * (`allocate: sensitivity`) gets its per-parameter counts from `allocate` and each parameter is
 * pruned on its own by |w|.
 */
export async function applyPruneTask(
  model: tf.LayersModel,
  task: PruneTask,
  options: { readonly allocate?: (group: PruneGroup) => AllocationOutcome; readonly signal?: AbortSignal } = {},
): Promise<string[]> {
  const { allocate, signal } = options;
  for (const group of task.groups) {
    if (group.allocation === undefined) {
      await applyGroupWithPlugins(model, group, task.scope, signal);
      continue;
    }
    if (allocate === undefined) throw new EngineError('SENSITIVITY_INVALID', `${task.id} allocates from ${group.allocation.sensitivity}, whose curves were not handed to it`);
    for (const { name, count } of allocate(group).parameters) {
      applyGroup(model, { ...group, parameters: [name], method: { method: 'l1_unstructured', amount: { count } } }, 'local');
    }
  }
  const touched = (task.groupNorms ?? []).flatMap((groupNorm) => lnStructuredGroups(model, groupNorm).touched);
  for (const name of task.remove) removeByName(model, name);
  return touched;
}
