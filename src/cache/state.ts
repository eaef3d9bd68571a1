/**
 * What a finished task leaves behind, as bytes: the engine's state (engine/sessionState.ts: every weight, every pruning
 * state's mask and history — its values are the weight's own — and the weights kept for
 * rewinding) plus what the task added to the run record and to metrics.jsonl. One safetensors
 * file: tensors for the arrays, JSON in its metadata for the rest. The stage cache and a partial
 * run's checkpoints both store these; an epoch checkpoint of a training task under way is the
 * same with its progress (engine/trainingProgress.ts) beside it.
 */
import { PruneRunError } from '../errors.js';
import type { SessionState } from '../engine/sessionState.js';
import type { EpochResult, TrainingProgress } from '../engine/trainingProgress.js';
import type { MaskUpdateResult } from '../engine/scheduledPruning.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensorInput } from '../formats/safetensors.js';

export const CHECKPOINT_FORMAT = 'prune-run-checkpoint/2';

/** What a task added to the run record (plain JSON entries, appended in order on reuse). */
export interface RecordDelta {
  readonly training: readonly unknown[];
  readonly pruning: readonly unknown[];
  readonly evaluations: readonly unknown[];
  /** Sensitivity analyses' results; absent: none. */
  readonly sensitivity?: readonly unknown[];
}

export interface TaskCheckpoint {
  readonly taskId: string;
  readonly key: string;
  readonly state: SessionState;
  readonly record: RecordDelta;
  /** The metrics.jsonl lines the task wrote, as written (times included). */
  readonly metrics: readonly Record<string, unknown>[];
  /** An epoch checkpoint of a training task still going: where it stands (absent for a finished task). */
  readonly training?: TrainingProgress | undefined;
}

/** An epoch checkpoint's progress in the metadata; the optimizer's arrays are tensors `optimizer:<i>`. */
interface TrainingMeta {
  epochsDone: number;
  epochs: EpochResult[];
  maskUpdates: MaskUpdateResult[];
  optimizer: { optimizer: TrainingProgress['optimizer']['optimizer']; arrays: string[]; numbers: Record<string, number> };
}

function invalid(message: string): PruneRunError {
  return new PruneRunError('CHECKPOINT_INVALID', message);
}

export function encodeCheckpoint(checkpoint: TaskCheckpoint): Uint8Array {
  const { state } = checkpoint;
  const tensors: NamedTensorInput[] = [];
  const shapes: Record<string, readonly number[]> = {};
  for (const [name, { shape, values }] of state.weights) {
    tensors.push({ name: `weight:${name}`, dtype: 'F32', shape: [values.length], data: values });
    shapes[name] = shape;
  }
  const pruning = state.pruning.map(({ name, shape, mask, history }) => {
    tensors.push({ name: `mask:${name}`, dtype: 'U8', shape: [mask.length], data: mask });
    return { name, shape, history };
  });
  const snapshots: Record<string, string[]> = {};
  for (const [key, weights] of state.snapshots) {
    snapshots[key] = [...weights.keys()];
    for (const [name, values] of weights) tensors.push({ name: `snapshot:${key}:${name}`, dtype: 'F32', shape: [values.length], data: values });
  }
  const { training } = checkpoint;
  let trainingMeta: TrainingMeta | undefined;
  if (training !== undefined) {
    const { optimizer } = training;
    [...optimizer.arrays.values()].forEach((values, i) => tensors.push({ name: `optimizer:${String(i)}`, dtype: 'F32', shape: [values.length], data: values }));
    trainingMeta = {
      epochsDone: training.epochsDone,
      epochs: [...training.epochs],
      maskUpdates: [...training.maskUpdates],
      optimizer: { optimizer: optimizer.optimizer, arrays: [...optimizer.arrays.keys()], numbers: { ...optimizer.numbers } },
    };
  }
  const meta = { taskId: checkpoint.taskId, key: checkpoint.key, shapes, pruning, snapshots, record: checkpoint.record, metrics: checkpoint.metrics, training: trainingMeta };
  return encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT, checkpoint: JSON.stringify(meta) });
}

interface CheckpointMeta {
  taskId: string;
  key: string;
  shapes: Record<string, number[]>;
  pruning: { name: string; shape: number[]; history: Record<string, unknown>[] }[];
  snapshots: Record<string, string[]>;
  record: RecordDelta;
  metrics: Record<string, unknown>[];
  training?: TrainingMeta;
}

export function decodeCheckpoint(bytes: Uint8Array): TaskCheckpoint {
  const decoded = decodeSafetensors(bytes);
  if (decoded.metadata['format'] !== CHECKPOINT_FORMAT) {
    throw invalid(`not a ${CHECKPOINT_FORMAT} file (format ${JSON.stringify(decoded.metadata['format'] ?? null)})`);
  }
  const meta = JSON.parse(decoded.metadata['checkpoint'] ?? 'null') as CheckpointMeta | null;
  if (meta === null || typeof meta.taskId !== 'string') throw invalid('checkpoint metadata is missing');
  const f32 = (name: string): Float32Array => {
    const t = decoded.tensors.get(name);
    if (t?.dtype !== 'F32') throw invalid(`checkpoint tensor ${name} is missing`);
    return t.data;
  };
  const weights = new Map(Object.entries(meta.shapes).map(([name, shape]) => [name, { shape, values: f32(`weight:${name}`) }]));
  const pruning = meta.pruning.map(({ name, shape, history }) => {
    const mask = decoded.tensors.get(`mask:${name}`);
    if (mask?.dtype !== 'U8') throw invalid(`checkpoint mask ${name} is missing`);
    return { name, shape, history, mask: mask.data };
  });
  const snapshots = new Map(
    Object.entries(meta.snapshots).map(([key, names]) => [key, new Map(names.map((name) => [name, f32(`snapshot:${key}:${name}`)]))]),
  );
  const t = meta.training;
  const training: TrainingProgress | undefined =
    t === undefined
      ? undefined
      : {
          epochsDone: t.epochsDone,
          epochs: t.epochs,
          maskUpdates: t.maskUpdates,
          optimizer: { optimizer: t.optimizer.optimizer, arrays: new Map(t.optimizer.arrays.map((key, i) => [key, f32(`optimizer:${String(i)}`)])), numbers: t.optimizer.numbers },
        };
  return { taskId: meta.taskId, key: meta.key, state: { weights, pruning, snapshots }, record: meta.record, metrics: meta.metrics, ...(training === undefined ? {} : { training }) };
}
