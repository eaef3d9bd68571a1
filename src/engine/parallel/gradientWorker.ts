/**
 * Entry point of a gradient worker thread (started by shardedGradients.ts). It rebuilds the
 * model from its topology on the same backend and kernels as the main thread, then serves steps:
 * wait for the step number to change, load the shared weights, compute its shards' gradients into
 * their shared buffers, mark the step done. Any failure is reported to the main thread (message
 * and stack) before the worker ends, so a step never waits for a worker that is gone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/select.js';
import { ParameterVector } from '../parameterVector.js';
import { BATCH_SIZE, COMMAND, doneSlot, FAILED, SEQ, SHARDS, STOP, type WorkerMessage, type WorkerSetup } from './protocol.js';
import { shardGradient } from './shardGradient.js';

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

async function main(setup: WorkerSetup): Promise<void> {
  await selectBackend(setup.backend);
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(setup.topology) as tf.io.ModelJSON['modelTopology'] });
  try {
    const all = model.weights;
    if (all.length !== setup.initialWeights.length) {
      throw new Error(`the rebuilt model has ${String(all.length)} weights, the main thread's ${String(setup.initialWeights.length)}`);
    }
    tf.tidy(() => {
      for (const [i, weight] of all.entries()) weight.write(tf.tensor(setup.initialWeights[i]!, weight.read().shape, 'float32'));
    });
    const vector = ParameterVector.of(model);
    const weights = new Float32Array(setup.weights);
    if (weights.length !== vector.size) throw new Error(`shared weights hold ${String(weights.length)} values, the model ${String(vector.size)}`);
    const gradients = setup.gradients.map((buffer) => new Float32Array(buffer));
    const results = new Float64Array(setup.results);
    const control = new Int32Array(setup.control);
    const indices = new Uint32Array(setup.indices);
    const input = {
      split: { images: new Float32Array(setup.images), labels: new Uint8Array(setup.labels), count: setup.count },
      imageShape: setup.imageShape,
      numClasses: setup.numClasses,
    };
    const done = doneSlot(setup.shards, setup.worker);
    // Read before saying ready: the main thread starts step 1 as soon as it hears it.
    let seen = Atomics.load(control, SEQ);
    post({ kind: 'ready' });

    for (;;) {
      Atomics.wait(control, SEQ, seen);
      seen = Atomics.load(control, SEQ);
      if (Atomics.load(control, COMMAND) === STOP) return;
      try {
        vector.write(weights);
        const batchSize = Atomics.load(control, BATCH_SIZE);
        for (let s = setup.worker; s < setup.shards; s += setup.threads) {
          const start = control[SHARDS + 2 * s]!;
          const count = control[SHARDS + 2 * s + 1]!;
          const outcome = shardGradient(model, vector, input, indices.subarray(start, start + count), batchSize, gradients[s]!);
          results[2 * s] = outcome.loss;
          results[2 * s + 1] = outcome.correct;
        }
      } catch (error) {
        Atomics.store(control, done, FAILED);
        Atomics.notify(control, done);
        throw error;
      }
      Atomics.store(control, done, seen);
      Atomics.notify(control, done);
    }
  } finally {
    model.dispose();
  }
}

main(workerData as WorkerSetup).catch((error: unknown) => {
  const failure = error instanceof Error ? error : new Error(String(error));
  post({ kind: 'failed', message: failure.message, ...(failure.stack === undefined ? {} : { stack: failure.stack }) });
  process.exitCode = 1;
});
