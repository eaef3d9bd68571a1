/**
 * A bound on the memory plugin code takes beyond its JavaScript heap. The thread's heap limit
 * (resourceLimits) does not count ArrayBuffers, so `new Uint8Array(2 ** 30).fill(1)` in a loop
 * would grow the process without end; while plugin code runs, the process's resident memory is
 * sampled, and growth past the limit over what it was when the code started stops the thread.
 */

/** How much the process may grow while plugin code runs: a mask and a copy of the scores of the largest model (64M parameters) fit. */
export const PLUGIN_MEMORY_MB = 384;
/** How often memory is sampled: a plugin filling memory at several GB/s passes the limit by little more than this many milliseconds' worth. */
const SAMPLE_MS = 10;

export interface MemoryWatch {
  /** Rejects with `error()` once the process has grown past the limit. */
  readonly exceeded: Promise<never>;
  stop(): void;
}

export function watchMemory(error: (grownMB: number) => Error, limitMB = PLUGIN_MEMORY_MB): MemoryWatch {
  const base = process.memoryUsage.rss();
  let timer: NodeJS.Timeout | undefined;
  const exceeded = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const grownMB = (process.memoryUsage.rss() - base) / 2 ** 20;
      if (grownMB > limitMB) {
        clearInterval(timer);
        reject(error(Math.round(grownMB)));
      }
    }, SAMPLE_MS);
    timer.unref();
  });
  exceeded.catch(() => undefined); // observed by the race it joins
  return { exceeded, stop: () => clearInterval(timer) };
}
