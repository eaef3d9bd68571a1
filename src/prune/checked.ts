/**
 * A user's plugin as a core PruningMethod whose every result is checked before the container uses
 * it: a Uint8Array of the right length, only 0 and 1, never keeping an entry the default mask
 * pruned. A violation is a PruneError naming the plugin, its file and the parameter; since the
 * check runs before any state changes (and the API applies all or nothing), nothing is applied.
 */
import { PruneError, PruneRunError } from '../errors.js';
import type { PruningMethod, StructuredPruningMethod } from './method.js';
import { pluginProblem, type PluginOptions, type PluginSource, type PruningPlugin } from './plugin.js';

function fail(plugin: PruningPlugin, source: PluginSource, paramName: string, what: string, cause?: unknown): never {
  throw new PruneError(
    'PRUNE_PLUGIN_INVALID',
    `plugin "${plugin.name}" (${source.file}) on '${paramName}': ${what}; the pruning is not applied`,
    cause === undefined ? undefined : { cause },
  );
}

/** The checks every result passes: a Uint8Array of the right length, only 0 and 1, nothing revived. */
function checkResult(result: unknown, defaultMask: Uint8Array, plugin: PruningPlugin, source: PluginSource, paramName: string): Uint8Array {
  if (!(result instanceof Uint8Array)) {
    const what = result === null ? 'null' : Array.isArray(result) ? 'an array' : typeof result === 'object' ? result.constructor.name : typeof result;
    fail(plugin, source, paramName, `computeMask returned ${what}, not a Uint8Array`);
  }
  if (result.length !== defaultMask.length) {
    fail(plugin, source, paramName, `computeMask returned ${String(result.length)} entries for ${String(defaultMask.length)}`);
  }
  for (let i = 0; i < result.length; i++) {
    const v = result[i]!;
    if (v !== 0 && v !== 1) fail(plugin, source, paramName, `computeMask returned ${String(v)} at entry ${String(i)}; a mask holds only 0 (pruned) and 1 (kept)`);
    if (v === 1 && defaultMask[i]! === 0) {
      fail(plugin, source, paramName, `computeMask keeps entry ${String(i)}, which the default mask pruned; a method never revives an entry`);
    }
  }
  return result;
}

/**
 * The plugin as a core method: each call gets copies of the scores and mask (so the plugin cannot
 * change the parameter's state), and its result is checked. `axis` is a structured plugin's TF.js
 * axis (placed by its descriptor), null for the other kinds.
 */
export function checkedPlugin(
  plugin: PruningPlugin,
  source: PluginSource,
  options: PluginOptions,
  axis: number | null,
  describe: () => Record<string, unknown>,
): PruningMethod {
  const problem = pluginProblem(plugin);
  if (problem !== null) throw new PruneError('PRUNE_PLUGIN_INVALID', `plugin module ${source.file}: ${problem}`);
  if (plugin.kind === 'structured' && axis === null) {
    throw new PruneError('PRUNE_AXIS_INVALID', `plugin "${plugin.name}" (${source.file}) is structured and needs an axis (axis: out or in, or dim)`);
  }
  const computeMask: PruningMethod['computeMask'] = (importance, defaultMask, shape, paramName = 'tensor') => {
    let result: unknown;
    try {
      result = plugin.computeMask(Float32Array.from(importance), Uint8Array.from(defaultMask), options, {
        shape: [...shape],
        axis: plugin.kind === 'structured' ? axis : null,
        parameter: paramName,
      });
    } catch (error) {
      // prune-run's own errors (a plugin's thread answering for it: src/plugins/calls.ts) pass as they are.
      if (error instanceof PruneRunError) throw error;
      fail(plugin, source, paramName, `computeMask threw: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    return checkResult(result, defaultMask, plugin, source, paramName);
  };
  const base = { name: plugin.name, computeMask, describe };
  if (plugin.kind !== 'structured') return { ...base, kind: plugin.kind };
  const structured: StructuredPruningMethod = { ...base, kind: 'structured', axis: axis! };
  return structured;
}
