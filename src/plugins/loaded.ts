/**
 * The plugins this process has loaded, by real path and content hash. A plan names a plugin as
 * plain data (PluginReference); the engine gets its thread (host.ts) from here, and only after checking that
 * the file on disk still has the hash the plan names, so a module edited after it was loaded is
 * refused instead of silently running its old (or new) code. The map plays the part of Node's
 * own module cache, which is process-wide too; entries are keyed by content, so they never go stale.
 */
import { EngineError } from '../errors.js';
import type { PluginReference } from '../prune/spec.js';
import { readHashedFileSync } from '../util/sha256.js';
import type { PluginHost } from './host.js';

const loaded = new Map<string, PluginHost>();

const keyOf = (reference: Pick<PluginReference, 'file' | 'sha256'>) => `${reference.file}\0${reference.sha256}`;

/** Records a plugin loadPlugins imported and checked. */
export function rememberPlugin(reference: PluginReference, plugin: PluginHost): void {
  // The same module loaded again (a resume's second compile, a test): one thread is enough.
  const earlier = loaded.get(keyOf(reference));
  if (earlier !== undefined && earlier !== plugin) void earlier.close();
  loaded.set(keyOf(reference), plugin);
}

/** The loaded plugin a plan names, after checking its file still has the plan's sha256. */
export function loadedPlugin(reference: PluginReference): PluginHost {
  const read = readHashedFileSync(reference.file, reference.sha256);
  if (!read.ok && read.problem === 'unreadable') {
    throw new EngineError('PLUGIN_FILE', `cannot read plugin module ${reference.file}: ${read.reason}`);
  }
  if (!read.ok) {
    throw new EngineError('PLUGIN_FILE', `plugin module ${reference.file} changed since it was loaded (sha256 ${reference.sha256.slice(0, 12)}…); run the recipe again`);
  }
  const plugin = loaded.get(keyOf(reference));
  if (plugin === undefined) {
    throw new EngineError('PLUGIN_NOT_LOADED', `plugin module ${reference.file} was not loaded in this process (prepareRun loads a recipe's plugins before planning)`);
  }
  return plugin;
}
