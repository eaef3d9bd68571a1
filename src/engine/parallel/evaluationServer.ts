/**
 * A worker's side of a sensitivity analysis (protocol.ts, EvaluationSetup): the model at the
 * analysis's state, and for each job its weights put in, the split evaluated with the main
 * thread's own function (evaluate.ts), and the state's weights put back.
 */
import * as tf from '@tensorflow/tfjs';
import { evaluationSums, type EvaluationInput } from '../evaluate.js';
import type { EvaluationJob, EvaluationSetup, WorkerMessage } from './protocol.js';

function write(variable: tf.LayersModel['weights'][number], values: Float32Array): void {
  tf.tidy(() => {
    variable.write(tf.tensor(values, variable.read().shape, 'float32'));
  });
}

export class EvaluationServer {
  private state: { model: tf.LayersModel; weights: readonly Float32Array[]; input: EvaluationInput } | null = null;

  constructor(private readonly modelFor: (topology: string) => Promise<tf.LayersModel>) {}

  async setup(setup: EvaluationSetup): Promise<WorkerMessage> {
    const model = await this.modelFor(setup.topology);
    const all = model.weights;
    if (all.length !== setup.weights.length) throw new Error(`the rebuilt model has ${String(all.length)} weights, the main thread's ${String(setup.weights.length)}`);
    all.forEach((variable, i) => write(variable, setup.weights[i]!));
    this.state = { model, weights: setup.weights, input: { split: setup.split, imageShape: setup.imageShape, numClasses: setup.numClasses } };
    return { kind: 'evaluation-ready' };
  }

  async evaluate(job: EvaluationJob): Promise<WorkerMessage> {
    const state = this.state;
    if (state === null) throw new Error(`evaluation job ${String(job.job)} arrived before its setup`);
    const all = state.model.weights;
    for (const { index, values } of job.overrides) write(all[index]!, values);
    try {
      const sums = await evaluationSums(state.model, state.input);
      return { kind: 'evaluated', job: job.job, ...sums };
    } finally {
      for (const { index } of job.overrides) write(all[index]!, state.weights[index]!);
    }
  }

  end(): void {
    this.state = null;
  }
}
