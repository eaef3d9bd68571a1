/**
 * The meeting point of a sharded step's threads at each batch-norm layer: with a real second
 * thread (a small worker that arrives at its stops late), a partner that dies on the way, one that
 * reports a failure, and a step the main thread called off.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import { PartnerFailed, ShardBarrier, StepCalledOff, type BarrierWatch } from '../../src/engine/parallel/shardBarrier.js';

/** A partner thread 1: sleeps `delayMs`, arrives at its next stop, waits for thread 0 there; `stops` times, then ends. */
const PARTNER = `
const { workerData } = require('node:worker_threads');
const arrivals = new Int32Array(workerData.arrivals);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (let n = 1; n <= workerData.stops; n++) {
  Atomics.wait(sleeper, 0, 0, workerData.delayMs);
  Atomics.store(arrivals, 1, n);
  Atomics.notify(arrivals, 1);
  for (let seen = Atomics.load(arrivals, 0); seen < n; seen = Atomics.load(arrivals, 0)) Atomics.wait(arrivals, 0, seen, 50);
}
`;

function partner(arrivals: Int32Array, stops: number, delayMs: number): Promise<number> {
  const worker = new Worker(PARTNER, { eval: true, workerData: { arrivals: arrivals.buffer, stops, delayMs } });
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', resolve);
  });
}

const quiet: BarrierWatch = { failed: () => false, calledOff: () => false, name: (t) => `gradient worker ${String(t)}` };
const shared = (threads: number) => new Int32Array(new SharedArrayBuffer(threads * Int32Array.BYTES_PER_ELEMENT));

describe('the batch-norm barrier between threads', () => {
  it('lets no thread past a stop before the other has reached it, however late it comes', async () => {
    const arrivals = shared(2);
    const barrier = new ShardBarrier(arrivals, 0, quiet, 5_000);
    const ended = partner(arrivals, 4, 30);
    for (let n = 1; n <= 4; n++) {
      const started = performance.now();
      barrier.arrive();
      expect(Atomics.load(arrivals, 1)).toBeGreaterThanOrEqual(n);
      expect(performance.now() - started).toBeGreaterThan(15); // it waited for the partner's sleep
    }
    expect(await ended).toBe(0);
    expect(Array.from(arrivals)).toEqual([4, 4]);
  });

  it('turns a partner that died on the way into a clear error after the timeout, not a hang', async () => {
    const arrivals = shared(2);
    const barrier = new ShardBarrier(arrivals, 0, quiet, 300);
    const ended = partner(arrivals, 2, 0); // makes two stops, then ends
    barrier.arrive();
    barrier.arrive();
    expect(await ended).toBe(0);
    const started = performance.now();
    expect(() => barrier.arrive()).toThrow(new EngineError('GRADIENT_WORKER_STALLED', 'gradient worker 1 did not reach batch normalization stop 3 within 0.3 s (it has passed 2): it is gone or stuck, so training stops here'));
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(3_000);
  });

  it('stops waiting at once for a partner that reported a failure, and in a worker whose step was called off', () => {
    const failed = new ShardBarrier(shared(2), 0, { ...quiet, failed: (t) => t === 1 }, 60_000);
    const started = performance.now();
    expect(() => failed.arrive()).toThrow(PartnerFailed);
    const calledOff = new ShardBarrier(shared(2), 1, { ...quiet, calledOff: () => true }, 60_000);
    expect(() => calledOff.arrive()).toThrow(StepCalledOff);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('waits for every other thread, and for nobody on one thread', () => {
    const arrivals = shared(3);
    Atomics.store(arrivals, 1, 1); // thread 1 is there, thread 2 is not
    expect(() => new ShardBarrier(arrivals, 0, quiet, 100).arrive()).toThrow(/gradient worker 2 did not reach/);
    const alone = new ShardBarrier(shared(1), 0, quiet, 100);
    alone.arrive();
    alone.arrive();
  });
});
