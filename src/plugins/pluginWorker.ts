/**
 * The thread a plugin's code runs in (started by host.ts), so that the main thread stays free: a
 * Ctrl-C or a time limit can stop a computeMask that never returns, and nothing the plugin does
 * can hold up the run's signal handling. Before the plugin is imported, importGuard.ts is
 * registered as this thread's module loader hook, so every import the plugin makes at run time is
 * checked too. Each call is answered by the same checked method the core uses (prune/checked.ts):
 * copies in, the result checked, a violation a PruneError naming the plugin, file and parameter.
 */
import { register } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { PruneRunError } from '../errors.js';
import { checkedPlugin } from '../prune/checked.js';
import { pluginProblem, type PruningPlugin } from '../prune/plugin.js';
import { REFUSED_IMPORT } from './importGuard.js';
import type { FromPluginWorker, PluginWorkerStart, ToPluginWorker } from './protocol.js';

const start = workerData as PluginWorkerStart;
const port = parentPort!;
const send = (message: FromPluginWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
/** Text about the plugin's code names its file, not the data: URL (its whole source in base64) it runs from. */
const named = (text: string) => text.replaceAll(start.url, start.file);

/** The plugin's default export, checked; or why it cannot be used. */
async function importPlugin(): Promise<PruningPlugin | string> {
  register(start.guard, { data: { pluginUrl: start.url } });
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(start.url)) as Record<string, unknown>;
  } catch (error) {
    const message = named(error instanceof Error ? error.message : String(error));
    const refused = (error as { code?: unknown }).code === REFUSED_IMPORT;
    return `${refused ? `plugin module "${start.given}" was refused while loading` : `cannot import plugin module "${start.given}"`}: ${message}`;
  }
  if (!('default' in namespace)) {
    return `plugin module "${start.given}" has no default export; export default { name, kind, computeMask } (type PruningPlugin)`;
  }
  const problem = pluginProblem(namespace['default']);
  if (problem !== null) return `plugin module "${start.given}": ${problem} (export default { name, kind, computeMask }, type PruningPlugin)`;
  return namespace['default'] as PruningPlugin;
}

const plugin = await importPlugin();
if (typeof plugin === 'string') {
  send({ kind: 'refused', problem: plugin });
} else {
  send({ kind: 'loaded', name: plugin.name, pluginKind: plugin.kind });
  port.on('message', ({ id, request }: ToPluginWorker) => {
    try {
      const method = checkedPlugin(plugin, { file: start.file }, request.options, request.axis, () => ({}));
      const mask = method.computeMask(request.importance, request.defaultMask, request.shape, request.paramName);
      // Handed over, not copied: the plugin is done with it (a shared buffer cannot be, and is copied).
      send({ kind: 'mask', id, mask }, mask.buffer instanceof ArrayBuffer ? [mask.buffer] : []);
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      send({
        kind: 'failed',
        id,
        code: error instanceof PruneRunError ? error.code : 'PRUNE_PLUGIN_INVALID',
        message: named(error instanceof Error ? error.message : String(error)),
        pluginStack: cause instanceof Error && cause.stack !== undefined ? named(cause.stack) : null,
      });
    }
  });
}
