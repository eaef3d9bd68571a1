/**
 * The cpu backend borrowed for work that needs some TF.js backend but not the run's, such as the
 * model.json build check before a run (engine/modelCheck.ts), which must not start wasm or pick
 * the run's backend. TF.js has one global backend, so the borrow switches it and switches it back:
 * to the backend that was active, or, when none had been chosen yet (the CLI checks a recipe's
 * model before selectBackend), to none, so that TF.js does not quietly stay on cpu and a later op
 * that runs before a backend is selected fails as it would have instead of training at cpu speed
 * (select.ts: prune-run never falls back to cpu on its own).
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors.js';

/** The priority @tensorflow/tfjs-backend-cpu registers its backend with (its base.js); kept when the factory is put back. */
const CPU_PRIORITY = 1;

/** The banner the cpu backend prints through console.warn the first time a backend instance stores a tensor under Node. */
const CPU_BANNER = /Hi, looks like you are running TensorFlow\.js in Node\.js/;

/** Borrows run one at a time: each switches the one global backend. */
let borrows: Promise<unknown> = Promise.resolve();

/**
 * Runs `action` with the cpu backend active, then makes the backend that was active before (or
 * none) active again, whether `action` returns or throws. An EngineError when either switch fails.
 */
export function withCpuBackend<T>(action: () => Promise<T>): Promise<T> {
  const turn = borrows.then(() => borrowCpu(action));
  borrows = turn.catch(() => undefined);
  return turn;
}

async function borrowCpu<T>(action: () => Promise<T>): Promise<T> {
  // getBackend() is typed string, but is undefined (null once a backend was removed) until one is chosen.
  const previous = tf.getBackend() as string | null | undefined;
  if (previous === 'cpu') return withoutCpuBanner(action);
  const cpuFactory = tf.findBackendFactory('cpu');
  if (cpuFactory === null || !(await tf.setBackend('cpu'))) {
    throw new EngineError('BACKEND_UNAVAILABLE', 'the cpu backend, used to check that a model builds before a run, failed to start');
  }
  try {
    return await withoutCpuBanner(action);
  } finally {
    // Something else that switched the backend meanwhile meant to: its choice stands.
    if (tf.getBackend() === 'cpu') await restore(previous, cpuFactory);
  }
}

async function restore(previous: string | null | undefined, cpuFactory: NonNullable<ReturnType<typeof tf.findBackendFactory>>): Promise<void> {
  if (previous === null || previous === undefined) {
    // TF.js has no call that unsets the active backend but removing it; the factory goes back at once, so `--backend cpu` still works.
    tf.removeBackend('cpu');
    tf.registerBackend('cpu', cpuFactory, CPU_PRIORITY);
    return;
  }
  // The previous backend is initialised already: switching back does not initialise it again.
  if (!(await tf.setBackend(previous))) {
    throw new EngineError('BACKEND_UNAVAILABLE', `TF.js could not switch back to backend '${previous}' after checking a model on cpu`);
  }
}

/**
 * Runs `action` with the cpu backend's Node banner (which suggests tfjs-node) held back: the user
 * did not choose cpu, the check did. Every other warning is still printed.
 */
async function withoutCpuBanner<T>(action: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!CPU_BANNER.test(args.map(String).join(' '))) warn(...args);
  };
  try {
    return await action();
  } finally {
    console.warn = warn;
  }
}
