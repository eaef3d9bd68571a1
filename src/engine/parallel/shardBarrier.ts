/**
 * Where the threads computing one batch's shards meet at each batch-norm layer (forward and
 * backward), so that batch norm sees the whole batch (direct/batchShards.ts). Shared memory holds
 * one arrival count per thread, for the whole training task: a thread arriving at its n-th stop
 * stores n there and waits until every other thread's count reaches n. Every thread makes the
 * same stops in the same order (the same net), so the counts need no reset between steps.
 *
 * Waiting first polls (the other thread is usually a fraction of a millisecond away, and waking
 * from Atomics.wait costs ~0.17 ms here), then sleeps in Atomics.wait in short slices, checking
 * between them whether the partner failed (its DONE slot, protocol.ts) or the step was called off
 * (the main thread moved on: END_TASK after an error), and gives up with a clear error after
 * `timeoutMs`: a partner that died without a word never hangs training. Node's main thread may
 * block in Atomics.wait; it does only within a step, which is synchronous there anyway.
 */
import { EngineError } from '../../errors.js';
import { POLL_MS } from './protocol.js';

/** How long one Atomics.wait lasts before the waiting thread looks for a failed partner again. */
const WAIT_SLICE_MS = 20;

/** Thrown in a worker whose step the main thread called off: the worker goes on to its next command. */
export class StepCalledOff extends Error {
  constructor() {
    super('the main thread called this step off');
  }
}

/** Thrown on the main thread when a worker reports a failure mid-step; its own message follows as a worker message. */
export class PartnerFailed extends Error {
  constructor(readonly thread: number) {
    super(`gradient worker ${String(thread)} failed during the step`);
  }
}

export interface BarrierWatch {
  /** Whether thread t has reported a failure. */
  failed(thread: number): boolean;
  /** Whether this thread's step was called off. */
  calledOff(): boolean;
  /** Thread t as an error message names it. */
  name(thread: number): string;
}

export class ShardBarrier {
  private arrived = 0;

  constructor(
    /** One arrival count per thread (0 = the main thread), shared by all of them. */
    private readonly arrivals: Int32Array,
    private readonly thread: number,
    private readonly watch: BarrierWatch,
    private readonly timeoutMs: number,
  ) {}

  /** Arrives at the next stop and returns once every other thread has arrived there too. */
  arrive(): void {
    const n = ++this.arrived;
    Atomics.store(this.arrivals, this.thread, n);
    Atomics.notify(this.arrivals, this.thread);
    for (let t = 0; t < this.arrivals.length; t++) if (t !== this.thread) this.awaitThread(t, n);
  }

  private awaitThread(t: number, n: number): void {
    const started = performance.now();
    let seen = Atomics.load(this.arrivals, t);
    while (seen < n && performance.now() - started < POLL_MS) seen = Atomics.load(this.arrivals, t);
    while (seen < n) {
      if (this.watch.failed(t)) throw new PartnerFailed(t);
      if (this.watch.calledOff()) throw new StepCalledOff();
      const left = this.timeoutMs - (performance.now() - started);
      if (left <= 0) {
        throw new EngineError(
          'GRADIENT_WORKER_STALLED',
          `${this.watch.name(t)} did not reach batch normalization stop ${String(n)} within ${String(this.timeoutMs / 1000)} s (it has passed ${String(seen)}): it is gone or stuck, so training stops here`,
        );
      }
      Atomics.wait(this.arrivals, t, seen, Math.min(WAIT_SLICE_MS, left));
      seen = Atomics.load(this.arrivals, t);
    }
  }
}
