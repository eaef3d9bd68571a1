/**
 * A plugin module running in a thread of its own (pluginWorker.ts), as the main thread sees it:
 * its name and kind, and computeMask as an asynchronous call that a time limit or an abort signal
 * (Ctrl-C, SIGTERM) stops by terminating the thread — which stops even a loop that never returns.
 * The main thread never runs plugin code, so it is always free to handle signals.
 *
 * The thread lives while the process does (one per module, keyed by content in loaded.ts) but does
 * not keep the process alive between calls; a thread that was stopped is started again (the module
 * imported again from the same bytes) by the next call.
 */
import { Worker } from 'node:worker_threads';
import { EngineError, PruneError } from '../errors.js';
import type { MethodKind } from '../prune/method.js';
import { builtEntry } from '../util/builtEntry.js';
import { PLUGIN_MEMORY_MB, watchMemory } from './memoryWatch.js';
import type { FromPluginWorker, PluginCallRequest, PluginWorkerStart } from './protocol.js';

/** The environment variable that sets the time limit of a plugin's load and of each of its calls, in seconds. */
export const PLUGIN_TIMEOUT_ENV = 'PRUNE_RUN_PLUGIN_TIMEOUT';
const DEFAULT_TIMEOUT_S = 60;
/** The plugin thread's JavaScript heap limit: a plugin that allocates without end fails alone. */
const HEAP_LIMIT_MB = 512;

/** The time limit in milliseconds: PRUNE_RUN_PLUGIN_TIMEOUT seconds when it is a positive number, else 60 s. */
export function pluginTimeLimitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env[PLUGIN_TIMEOUT_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_TIMEOUT_S * 1000;
}

const seconds = (ms: number) => `${String(ms / 1000)} s`;

function workerEntry(): URL {
  const entry = builtEntry('pluginWorker', import.meta.url);
  if (entry instanceof URL) return entry;
  throw new EngineError('WORKER_NOT_BUILT', `the plugin worker is not built: ${entry.problem}`);
}

/** A started thread: its worker, and a promise that settles with its first message (loaded or refused). */
interface Thread {
  readonly worker: Worker;
  /** Rejects when the thread ends or fails; every waiting call races it. */
  readonly ended: Promise<never>;
}

export type HostedPlugin = { readonly ok: true; readonly host: PluginHost } | { readonly ok: false; readonly problem: string };

export class PluginHost {
  private thread: Thread | null = null;
  private nextId = 0;

  private constructor(
    private readonly start: PluginWorkerStart,
    readonly name: string,
    readonly kind: MethodKind,
    private readonly timeLimitMs: number,
  ) {}

  /** Starts the module's thread and imports it there; a problem (it fails to import, exports no plugin, takes too long) is said in words. */
  static async load(start: Omit<PluginWorkerStart, 'guard'>, timeLimitMs: number = pluginTimeLimitMs()): Promise<HostedPlugin> {
    const full: PluginWorkerStart = { ...start, guard: new URL('./importGuard.js', workerEntry()).href };
    const started = await PluginHost.startThread(full, timeLimitMs);
    if (!started.ok) return started;
    const host = new PluginHost(full, started.name, started.kind, timeLimitMs);
    host.adopt(started.thread);
    return { ok: true, host };
  }

  private static async startThread(
    start: PluginWorkerStart,
    timeLimitMs: number,
  ): Promise<{ ok: true; thread: Thread; name: string; kind: MethodKind } | { ok: false; problem: string }> {
    const worker = new Worker(workerEntry(), { workerData: start, resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } });
    let fail: (error: Error) => void = () => undefined;
    const ended = new Promise<never>((_, reject) => {
      fail = reject;
    });
    ended.catch(() => undefined); // observed by whoever waits; never an unhandled rejection
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`its thread exited (code ${String(code)})`)));
    const thread: Thread = { worker, ended };
    const first = new Promise<FromPluginWorker>((resolve) => worker.once('message', resolve));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeLimitMs);
    });
    const memory = watchMemory((grown) => new Error(`took ${grown} MB of memory while loading, more than the ${PLUGIN_MEMORY_MB} MB plugin code may take; it was stopped`));
    try {
      const message = await Promise.race([first, ended, late, memory.exceeded]);
      if (message === 'late') {
        await worker.terminate();
        return { ok: false, problem: `plugin module "${start.module}" did not finish loading within ${seconds(timeLimitMs)} (its top-level code runs when it is imported); it was stopped` };
      }
      if (message.kind === 'loaded') {
        worker.unref();
        return { ok: true, thread, name: message.name, kind: message.pluginKind };
      }
      await worker.terminate();
      return { ok: false, problem: message.kind === 'refused' ? message.problem : `plugin module "${start.module}" answered ${message.kind} before loading` };
    } catch (error) {
      await worker.terminate();
      return { ok: false, problem: `cannot import plugin module "${start.module}": ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
      memory.stop();
    }
  }

  /** Uses `thread` until it ends (stopped, or died between calls: an error thrown later by plugin code). */
  private adopt(thread: Thread): void {
    this.thread = thread;
    thread.ended.catch(() => {
      if (this.thread === thread) this.thread = null;
    });
  }

  /** The thread, started again if an earlier call stopped it. */
  private async running(): Promise<Thread> {
    if (this.thread !== null) return this.thread;
    const started = await PluginHost.startThread(this.start, this.timeLimitMs);
    if (!started.ok) throw new EngineError('PLUGIN_STOPPED', started.problem);
    this.adopt(started.thread);
    return started.thread;
  }

  private async stop(thread: Thread): Promise<void> {
    if (this.thread === thread) this.thread = null;
    await thread.worker.terminate();
  }

  /**
   * The plugin's mask for one call, checked in its thread as the core checks it. Rejects with the
   * check's PruneError, with an EngineError when the call takes longer than the limit or the
   * thread dies, and with `signal`'s reason when it is aborted; the last two stop the thread.
   * `request`'s arrays are handed over to the thread (the caller must not use them after).
   */
  async computeMask(request: PluginCallRequest, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    const thread = await this.running();
    const id = this.nextId++;
    const where = `plugin "${this.name}" (${this.start.file}) on '${request.paramName}'`;
    const answer = new Promise<FromPluginWorker>((resolve) => {
      const onMessage = (message: FromPluginWorker) => {
        if ((message.kind === 'mask' || message.kind === 'failed') && message.id === id) {
          thread.worker.off('message', onMessage);
          resolve(message);
        }
      };
      thread.worker.on('message', onMessage);
    });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const memory = watchMemory((grown) => new EngineError('PLUGIN_MEMORY', `${where}: computeMask took ${grown} MB of memory, more than the ${PLUGIN_MEMORY_MB} MB plugin code may take; it was stopped`));
    memory.exceeded.catch(() => void this.stop(thread));
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.stop(thread);
        reject(new EngineError('PLUGIN_TIMEOUT', `${where}: computeMask did not return within ${seconds(this.timeLimitMs)}; it was stopped (${PLUGIN_TIMEOUT_ENV} sets the limit, in seconds)`));
      }, this.timeLimitMs);
      onAbort = () => {
        void this.stop(thread);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    // Waiting for the thread is what keeps the process alive now; between calls it does not.
    thread.worker.ref();
    thread.worker.postMessage({ kind: 'call', id, request }, [request.importance.buffer as ArrayBuffer, request.defaultMask.buffer as ArrayBuffer]);
    const died = thread.ended.catch((error: unknown) => {
      throw new EngineError('PLUGIN_STOPPED', `${where}: the plugin stopped: ${error instanceof Error ? error.message : String(error)}`);
    });
    died.catch(() => undefined); // the thread may end after this call is answered: observed here only
    stopped.catch(() => undefined);
    try {
      const message = await Promise.race([answer, stopped, died, memory.exceeded]);
      if (message.kind === 'mask') return message.mask;
      if (message.kind !== 'failed') throw new EngineError('PLUGIN_STOPPED', `${where}: its thread answered ${message.kind}`);
      const cause = message.pluginStack === null ? undefined : Object.assign(new Error(message.message), { stack: message.pluginStack });
      throw new PruneError(message.code, message.message, cause === undefined ? undefined : { cause });
    } finally {
      clearTimeout(timer);
      memory.stop();
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      if (this.thread === thread) thread.worker.unref();
    }
  }

  /** Ends the thread (the next call starts it again). */
  async close(): Promise<void> {
    if (this.thread !== null) await this.stop(this.thread);
  }
}
