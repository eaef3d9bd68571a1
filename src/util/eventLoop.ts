/**
 * One turn of Node's event loop. Long synchronous work (a training step, a wait on a worker) gives
 * signals (Ctrl-C), timers (progress redraws) and worker messages a chance to run through this.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
