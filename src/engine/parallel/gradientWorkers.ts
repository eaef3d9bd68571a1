/**
 * A pool of gradient worker threads, kept across training tasks: starting a worker (TF.js, the
 * wasm backend) takes ~0.3 s, and a fresh one runs its first steps slowly while V8 and the backend
 * warm up — measured on LeNet, a new worker per task made the first epoch ~30% slower. The owner
 * (an EngineSession, the bench) closes the pool; until then its workers keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { EngineError } from '../../errors.js';
import type { BackendRequest } from '../backend/request.js';
import type { EvaluationSums } from '../evaluate.js';
import type { EvaluationJob, EvaluationSetup, TaskSetup, WorkerMessage, WorkerRequest, WorkerStart } from './protocol.js';
import { gradientWorkerEntry } from './workerEntry.js';

interface WorkerHandle {
  readonly index: number;
  readonly worker: Worker;
  /** Set once the worker failed or exited: every later wait rejects with it. */
  failure: Error | null;
  readonly failed: Promise<never>;
}

export class GradientWorkers {
  private closed = false;

  private constructor(
    readonly backend: BackendRequest,
    private readonly handles: readonly WorkerHandle[],
  ) {}

  /** Starts `count` workers on `backend` and waits until each has selected it. */
  static async start(count: number, backend: BackendRequest): Promise<GradientWorkers> {
    const entry = gradientWorkerEntry();
    const handles = Array.from({ length: count }, (_, i) => spawn(entry, { backend, worker: i + 1 }));
    const pool = new GradientWorkers(backend, handles);
    try {
      await Promise.all(handles.map((h) => pool.message(h, 'ready')));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.handles.length;
  }

  /** Hands every worker the task and waits until all are ready for its steps. */
  async startTask(setup: TaskSetup): Promise<void> {
    this.checkOpen();
    await Promise.all(
      this.handles.map((h) => {
        const ready = this.message(h, 'task-ready');
        this.post(h, setup);
        return ready;
      }),
    );
  }

  /** Hands every worker a sensitivity analysis's model and split, and waits until all have it. */
  async startEvaluation(setup: EvaluationSetup): Promise<void> {
    this.checkOpen();
    await Promise.all(
      this.handles.map((h) => {
        const ready = this.message(h, 'evaluation-ready');
        this.post(h, setup);
        return ready;
      }),
    );
  }

  /** One evaluation job on worker w (1-based): its sums, or the worker's failure. */
  async evaluate(worker: number, job: EvaluationJob): Promise<EvaluationSums> {
    this.checkOpen();
    const handle = this.handle(worker);
    const done = this.until(handle, (m): m is Extract<WorkerMessage, { kind: 'evaluated' }> => m.kind === 'evaluated' && m.job === job.job);
    this.post(handle, job);
    const { lossSum, correct, count } = await done;
    return { lossSum, correct, count };
  }

  /** The analysis is over: the workers let go of its split. */
  endEvaluation(): void {
    if (this.closed) return;
    for (const h of this.handles) if (h.failure === null) this.post(h, { kind: 'evaluation-end' });
  }

  private post(handle: WorkerHandle, request: WorkerRequest): void {
    handle.worker.postMessage(request);
  }

  /** Throws the failure of worker w (1-based) if it has failed or exited. */
  throwIfFailed(worker: number): void {
    const failure = this.handle(worker).failure;
    if (failure !== null) throw failure;
  }

  /** Rejects with the failure of worker w once it arrives (its message follows a FAILED slot). */
  failureOf(worker: number): Promise<never> {
    return this.handle(worker).failed;
  }

  private handle(worker: number): WorkerHandle {
    const handle = this.handles[worker - 1];
    if (handle === undefined) throw new EngineError('SHARDING_INVALID', `there is no gradient worker ${String(worker)}`);
    return handle;
  }

  /** Stops every worker (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }

  private checkOpen(): void {
    if (this.closed) throw new EngineError('SHARDING_CLOSED', 'the gradient workers were already stopped');
    const gone = this.handles.find((h) => h.failure !== null);
    if (gone !== undefined) throw gone.failure!;
  }

  private async message(handle: WorkerHandle, kind: 'ready' | 'task-ready' | 'evaluation-ready'): Promise<void> {
    await this.until(handle, (message): message is WorkerMessage => message.kind === kind);
  }

  /** The worker's first message that `wanted` accepts, or its failure. */
  private until<M extends WorkerMessage>(handle: WorkerHandle, wanted: (message: WorkerMessage) => message is M): Promise<M> {
    return Promise.race([
      new Promise<M>((resolve) => {
        const onMessage = (message: WorkerMessage) => {
          if (!wanted(message)) return;
          handle.worker.off('message', onMessage);
          resolve(message);
        };
        handle.worker.on('message', onMessage);
      }),
      handle.failed,
    ]);
  }
}

function spawn(entry: URL, start: WorkerStart): WorkerHandle {
  // Not unref()'d: the owner's close() ends it, and until then it is what a step waits for.
  const worker = new Worker(entry, { workerData: start });
  let reject: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, r) => {
    reject = r;
  });
  failed.catch(() => undefined); // observed through `failure`; never an unhandled rejection
  const handle: WorkerHandle = { index: start.worker, worker, failure: null, failed };
  const name = `gradient worker ${String(start.worker)}`;
  const fail = (error: Error) => {
    if (handle.failure !== null) return;
    handle.failure = error;
    reject(error);
  };
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'failed') fail(new EngineError('GRADIENT_WORKER_FAILED', `${name} failed: ${message.message}`, { cause: message.stack }));
  });
  worker.on('error', (error) => fail(new EngineError('GRADIENT_WORKER_FAILED', `${name} failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => fail(new EngineError('GRADIENT_WORKER_FAILED', `${name} exited (code ${String(code)})`)));
  return handle;
}
