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
import { ALLOWED_IMPORTS, importProblem } from './importRules.js';
import { thrownText } from '../util/thrown.js';
import type { FromPluginWorker, PluginWorkerStart, ToPluginWorker } from './protocol.js';

const start = workerData as PluginWorkerStart;
const port = parentPort!;
const send = (message: FromPluginWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
/** Text about the plugin's code names its file, not the data: URL (its whole source in base64) it runs from. */
const named = (text: string) => text.replaceAll(start.url, start.file);

/** An error the import rule refused, with the code pluginWorker recognises. */
function refused(message: string): Error {
  return Object.assign(new Error(message), { code: REFUSED_IMPORT });
}

/**
 * The ways to code from other files that are no import, and so pass the loader hook: built-ins
 * handed out by process.getBuiltinModule (Node ≥ 20.16: `module`'s createRequire, child_process,
 * worker_threads) under the same rule as imports, and native addons and internal bindings
 * (process.dlopen, process.binding), which no plugin needs, refused outright.
 */
function guardProcess(): void {
  const target = process as unknown as Record<string, unknown>;
  const getBuiltinModule = target['getBuiltinModule'];
  if (typeof getBuiltinModule === 'function') {
    target['getBuiltinModule'] = (id: string) => {
      const problem = importProblem(String(id));
      if (problem !== null) throw refused(`plugin code asks process.getBuiltinModule for "${String(id)}": ${problem}`);
      return (getBuiltinModule as (id: string) => unknown).call(process, id);
    };
  }
  for (const name of ['dlopen', 'binding', '_linkedBinding']) {
    target[name] = () => {
      throw refused(`plugin code calls process.${name}, which loads code from outside the plugin's hash; a plugin can use ${ALLOWED_IMPORTS}`);
    };
  }
}

/** The plugin's default export, checked; or why it cannot be used. */
async function importPlugin(): Promise<PruningPlugin | string> {
  register(start.guard, { data: { pluginUrl: start.url } });
  guardProcess();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(start.url)) as Record<string, unknown>;
  } catch (error) {
    const message = named(thrownText(error));
    const refused = (error as { code?: unknown }).code === REFUSED_IMPORT;
    return `${refused ? `plugin module "${start.module}" was refused while loading` : `cannot import plugin module "${start.module}"`}: ${message}`;
  }
  if (!('default' in namespace)) {
    return `plugin module "${start.module}" has no default export; export default { name, kind, computeMask } (type PruningPlugin)`;
  }
  const problem = pluginProblem(namespace['default']);
  if (problem !== null) return `plugin module "${start.module}": ${problem} (export default { name, kind, computeMask }, type PruningPlugin)`;
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
        message: named(thrownText(error)),
        pluginStack: cause instanceof Error && cause.stack !== undefined ? named(cause.stack) : null,
      });
    }
  });
}
