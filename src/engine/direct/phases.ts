/**
 * Where the direct pass's time goes, phase by phase (conv forward, conv filter gradient, batch
 * norm backward, ...), for scripts/step-profile.mjs and bench/kernels.md. Off unless a recorder
 * is set: then each phase costs one null check, a few per layer and step.
 *
 * Phases nest (convBackward's phase holds the filter and input gradients' own): each is charged
 * its exclusive time, its own minus that of the phases inside it, so the times add up to the pass.
 */

/** Receives each finished phase's name and exclusive milliseconds. */
export type PhaseRecorder = (phase: string, ms: number) => void;

let recorder: PhaseRecorder | null = null;
/** Milliseconds spent in the phases inside the one now running, per nesting level. */
const inner: number[] = [];

/** Starts (a recorder) or stops (null) timing the direct pass's phases in this thread. */
export function recordPhases(next: PhaseRecorder | null): void {
  recorder = next;
  inner.length = 0;
}

/** Runs `run` as phase `name` when a recorder is set; just runs it otherwise. */
export function phase<T>(name: string, run: () => T): T {
  const to = recorder;
  if (to === null) return run();
  inner.push(0);
  const started = performance.now();
  try {
    return run();
  } finally {
    const total = performance.now() - started;
    const nested = inner.pop()!;
    if (inner.length > 0) inner[inner.length - 1]! += total;
    to(name, total - nested);
  }
}
