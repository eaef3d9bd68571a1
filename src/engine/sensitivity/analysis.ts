/**
 * Sensitivity analysis (Distiller's perform_sensitivity_analysis): from the model's current state,
 * each subject (subjects.ts) is pruned alone at each amount, the test split evaluated, and the
 * state put back. The evaluations are independent jobs of about equal cost, dealt round-robin to
 * the main thread and each gradient worker (the pool training uses, idle between tasks): thread t
 * of T takes jobs t, t + T, t + 2T, …, so which thread evaluates a job never depends on timing. Every job is
 * evaluated whole by one thread with the same function (evaluate.ts's evaluationSums) on the
 * same backend, and its result is stored at its own index, so the curves are the same bits
 * whatever the number of threads or the order jobs finish in.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../data/index.js';
import type { SensitivityTask } from '../../plan/types.js';
import { evaluationSums, meanOf, type EvaluationInput, type EvaluationSums } from '../evaluate.js';
import type { GradientWorkers } from '../parallel/gradientWorkers.js';
import { sharedSplit } from '../parallel/sharedSplit.js';
import { readWeight, writeWeight } from '../weights.js';
import { sensitivitySubjects, type Subject, type SubjectPruning } from './subjects.js';

export interface SensitivityPoint {
  /** The amount asked for: a fraction of the subject's candidates. */
  readonly amount: number;
  /** What that amount pruned: entries (parameter) or channels (group), rounded as torch rounds. */
  readonly pruned: number;
  readonly accuracy: number;
  readonly loss: number;
}

export interface SensitivityCurve {
  readonly kind: 'parameter' | 'group';
  /** The parameter's weight name (`conv1/kernel`), or the group's root layer. */
  readonly name: string;
  /** What `size`, `candidates` and `pruned` count. */
  readonly unit: 'entries' | 'channels';
  readonly size: number;
  /** What amounts are fractions of: the entries not pruned before, or the group's remaining channels. */
  readonly candidates: number;
  readonly points: readonly SensitivityPoint[];
}

export interface SensitivityResult {
  readonly amounts: readonly number[];
  /** The state analysed, unpruned further: what every curve starts from. */
  readonly baseline: { readonly accuracy: number; readonly loss: number; readonly count: number };
  readonly curves: readonly SensitivityCurve[];
}

export interface SensitivityOptions {
  /** The gradient workers to share the evaluations with; none: the main thread does them all. */
  readonly workers?: GradientWorkers | undefined;
  readonly signal?: AbortSignal | undefined;
  /** After each evaluation: how many are done of how many. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/** One evaluation: the baseline (subject null) or a subject at one amount. */
interface Job {
  readonly subject: number | null;
  readonly amount: number;
}

/** Evaluates the jobs on the main thread and the workers; sums by job index. */
async function evaluateJobs(model: tf.LayersModel, input: EvaluationInput, subjects: readonly Subject[], jobs: readonly Job[], options: SensitivityOptions): Promise<{ sums: EvaluationSums[]; pruned: number[] }> {
  const sums: EvaluationSums[] = new Array<EvaluationSums>(jobs.length);
  const pruned: number[] = new Array<number>(jobs.length).fill(0);
  const variables = new Map(model.weights.map((w, index) => [w.originalName, { variable: w, index }]));
  const base = new Map<string, Float32Array>();
  const threads = 1 + (options.workers?.size ?? 0);
  const next = Array.from({ length: threads }, (_, t) => t);
  let done = 0;
  const take = (thread: number): { index: number; pruning: SubjectPruning } | null => {
    options.signal?.throwIfAborted();
    const index = next[thread]!;
    if (index >= jobs.length) return null;
    next[thread] = index + threads;
    const job = jobs[index]!;
    const pruning = job.subject === null ? { overrides: [], pruned: 0 } : subjects[job.subject]!.prune(job.amount);
    pruned[index] = pruning.pruned;
    return { index, pruning };
  };
  const finished = (index: number, result: EvaluationSums) => {
    sums[index] = result;
    options.onProgress?.(++done, jobs.length);
  };
  const onMain = async () => {
    for (let job = take(0); job !== null; job = take(0)) {
      const touched = job.pruning.overrides.map(({ name, values }) => {
        const { variable } = variables.get(name)!;
        if (!base.has(name)) base.set(name, readWeight(variable));
        writeWeight(variable, values);
        return name;
      });
      try {
        finished(job.index, await evaluationSums(model, input));
      } finally {
        for (const name of touched) writeWeight(variables.get(name)!.variable, base.get(name)!);
      }
    }
  };
  const workers = options.workers;
  const onWorker = async (worker: number) => {
    for (let job = take(worker); job !== null; job = take(worker)) {
      const overrides = job.pruning.overrides.map(({ name, values }) => ({ index: variables.get(name)!.index, values }));
      finished(job.index, await workers!.evaluate(worker, { kind: 'evaluate', job: job.index, overrides }));
    }
  };
  if (workers === undefined || workers.size === 0) {
    await onMain();
    return { sums, pruned };
  }
  await workers.startEvaluation({
    kind: 'evaluation',
    topology: JSON.stringify(model.toJSON(null, false)),
    weights: model.weights.map((w) => readWeight(w)),
    imageShape: input.imageShape,
    numClasses: input.numClasses,
    split: sharedSplit(input.split),
  });
  try {
    const threads = [onMain(), ...Array.from({ length: workers.size }, (_, w) => onWorker(w + 1))];
    // Every thread stops taking jobs once one fails; wait for all before reporting the first failure.
    const outcomes = await Promise.allSettled(threads);
    const failure = outcomes.find((o) => o.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  } finally {
    workers.endEvaluation();
  }
  return { sums, pruned };
}

/** Runs the analysis the task describes on the model's current state, which it leaves as it found it. */
export async function runSensitivity(model: tf.LayersModel, data: Dataset, task: SensitivityTask, options: SensitivityOptions = {}): Promise<SensitivityResult> {
  const subjects = sensitivitySubjects(model, task);
  const jobs: Job[] = [{ subject: null, amount: 0 }];
  subjects.forEach((_, subject) => task.amounts.forEach((amount) => jobs.push({ subject, amount })));
  const input: EvaluationInput = { split: data.test, imageShape: data.imageShape, numClasses: data.numClasses };
  const { sums, pruned } = await evaluateJobs(model, input, subjects, jobs, options);
  const point = (index: number) => ({ ...meanOf(sums[index]!) });
  const per = task.amounts.length;
  return {
    amounts: [...task.amounts],
    baseline: { ...point(0), count: data.test.count },
    curves: subjects.map((s, i) => ({
      kind: s.kind,
      name: s.name,
      unit: s.kind === 'parameter' ? 'entries' : 'channels',
      size: s.size,
      candidates: s.candidates,
      points: task.amounts.map((amount, a) => {
        const index = 1 + i * per + a;
        const { accuracy, loss } = point(index);
        return { amount, pruned: pruned[index]!, accuracy, loss };
      }),
    })),
  };
}
