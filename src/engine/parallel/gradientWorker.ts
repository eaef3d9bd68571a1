/**
 * Entry point of a gradient worker thread (pooled by gradientWorkers.ts). It selects the same
 * backend as the main thread (with prune-run's wasm kernels), then serves sensitivity analyses'
 * evaluations (evaluationServer.ts) and training tasks: for
 * each, it (re)builds the model when the topology changed, takes the main thread's weights, and
 * serves steps — wait for the step number to change, load the shared weights, compute its shards'
 * gradients into their shared buffers (meeting the other threads at each batch-norm layer,
 * shardBarrier.ts), mark the step done — until the task ends. Any failure is
 * reported to the main thread (message and stack) before the worker ends, so a step never waits
 * for a worker that is gone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/select.js';
import type { DirectShard } from '../direct/batchShards.js';
import { ParameterVector } from '../parameterVector.js';
import { BatchNormStatistics } from './batchNormStatistics.js';
import { EvaluationServer } from './evaluationServer.js';
import { BATCH_SIZE, COMMAND, doneSlot, END_TASK, FAILED, PARTNER_TIMEOUT_MS, POLL_MS, pollWhileEqual, SEQ, SHARDS, type TaskSetup, type WorkerMessage, type WorkerRequest, type WorkerStart } from './protocol.js';
import { ShardBarrier, StepCalledOff } from './shardBarrier.js';
import { threadShardGradients, type BatchSharing } from './shardGradient.js';

const start = workerData as WorkerStart;
let current: { topology: string; model: tf.LayersModel } | null = null;

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

function fail(error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  post({ kind: 'failed', message: failure.message, ...(failure.stack === undefined ? {} : { stack: failure.stack }) });
  current?.model.dispose();
  current = null;
  parentPort?.close(); // ends the worker: its state is not to be trusted any more
}

async function modelFor(topology: string): Promise<tf.LayersModel> {
  if (current?.topology === topology) return current.model;
  current?.model.dispose();
  current = null;
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(topology) as tf.io.ModelJSON['modelTopology'] });
  current = { topology, model };
  return model;
}

async function prepare(task: TaskSetup): Promise<() => void> {
  const model = await modelFor(task.topology);
  const all = model.weights;
  if (all.length !== task.initialWeights.length) {
    throw new Error(`the rebuilt model has ${String(all.length)} weights, the main thread's ${String(task.initialWeights.length)}`);
  }
  tf.tidy(() => {
    for (const [i, weight] of all.entries()) weight.write(tf.tensor(task.initialWeights[i]!, weight.read().shape, 'float32'));
  });
  const vector = ParameterVector.of(model);
  const weights = new Float32Array(task.weights);
  if (weights.length !== vector.size) throw new Error(`shared weights hold ${String(weights.length)} values, the model ${String(vector.size)}`);
  const gradients = task.gradients.map((buffer) => new Float32Array(buffer));
  const results = new Float64Array(task.results);
  const batchNorm = BatchNormStatistics.of(model);
  const length = batchNorm?.recordLength ?? 0;
  const perShard = (buffer: SharedArrayBuffer) => Array.from({ length: task.shards }, (_, s) => new Float64Array(buffer, s * length * Float64Array.BYTES_PER_ELEMENT, length));
  const control = new Int32Array(task.control);
  const indices = new Uint32Array(task.indices);
  const input = {
    split: task.split,
    imageShape: task.imageShape,
    numClasses: task.numClasses,
    autodiffOnly: task.autodiffOnly,
  };
  const done = doneSlot(task.shards, start.worker);
  // Read before saying ready: the main thread starts step 1 as soon as it hears it.
  const first = Atomics.load(control, SEQ);
  let seen = first;
  const barrier = new ShardBarrier(
    new Int32Array(task.arrivals),
    start.worker,
    {
      failed: (t) => t !== 0 && Atomics.load(control, doneSlot(task.shards, t)) === FAILED,
      calledOff: () => Atomics.load(control, SEQ) !== seen,
      name: (t) => (t === 0 ? 'the main thread' : `gradient worker ${String(t)}`),
    },
    PARTNER_TIMEOUT_MS,
  );
  const sharing: BatchSharing | null = batchNorm === null ? null : { statistics: batchNorm, parts: { records: perShard(task.statistics), sums: perShard(task.sums) }, barrier: () => barrier.arrive() };

  return () => {
    for (;;) {
      if (pollWhileEqual(control, SEQ, seen, POLL_MS) === seen) Atomics.wait(control, SEQ, seen);
      seen = Atomics.load(control, SEQ);
      if (Atomics.load(control, COMMAND) === END_TASK) return;
      try {
        vector.write(weights);
        const batchSize = Atomics.load(control, BATCH_SIZE);
        const mine: DirectShard[] = [];
        for (let s = start.worker; s < task.shards; s += task.threads) {
          const at = control[SHARDS + 2 * s]!;
          mine.push({ shard: s, indices: indices.subarray(at, at + control[SHARDS + 2 * s + 1]!), out: gradients[s]! });
        }
        const outcomes = threadShardGradients(model, vector, input, mine, batchSize, sharing);
        for (const [k, outcome] of outcomes.entries()) {
          results[2 * mine[k]!.shard] = outcome.loss;
          results[2 * mine[k]!.shard + 1] = outcome.correct;
        }
      } catch (error) {
        if (error instanceof StepCalledOff) continue; // to the main thread's next command
        Atomics.store(control, done, FAILED);
        Atomics.notify(control, done);
        throw error;
      }
      Atomics.store(control, done, seen);
      Atomics.notify(control, done);
    }
  };
}

async function serve(task: TaskSetup): Promise<void> {
  const steps = await prepare(task);
  post({ kind: 'task-ready' });
  steps(); // blocks this thread until END_TASK; messages wait in the queue meanwhile
}

/** Sensitivity analyses' evaluations, on the same model as training (modelFor rebuilds it only when the topology changes). */
const evaluations = new EvaluationServer(modelFor);

function handle(request: WorkerRequest): Promise<void> {
  switch (request.kind) {
    case 'task':
      return serve(request);
    case 'evaluation':
      return evaluations.setup(request).then(post);
    case 'evaluate':
      return evaluations.evaluate(request).then(post);
    case 'evaluation-end':
      evaluations.end();
      return Promise.resolve();
  }
}

try {
  await selectBackend(start.backend);
  parentPort?.on('message', (request: WorkerRequest) => {
    handle(request).catch(fail);
  });
  post({ kind: 'ready' });
} catch (error) {
  fail(error);
}
