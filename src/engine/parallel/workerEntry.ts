/** Where the gradient worker's compiled entry point is (util/builtEntry.ts: beside this module, or in dist/). */
import { EngineError } from '../../errors.js';
import { builtEntry } from '../../util/builtEntry.js';

export function gradientWorkerEntry(moduleUrl: string = import.meta.url): URL {
  const entry = builtEntry('gradientWorker', moduleUrl);
  if (entry instanceof URL) return entry;
  throw new EngineError('WORKER_NOT_BUILT', `the gradient worker is not built: ${entry.problem}`);
}
