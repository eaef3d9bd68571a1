/**
 * Executes the engine's share of a plan, one task at a time: loading, training, pruning and
 * evaluating on TF.js. It holds the state tasks pass on (model, data, masks) and returns plain
 * results; writing them under runs/ is the runner's job.
 */
import type * as tf from '@tensorflow/tfjs';
import { masksOf, pruningStatesByName, restorePruningByName, rewindByName, snapshotWeights } from '../api/index.js';
import { directNetOf, fitsData } from './direct/net.js';
import { ParameterVector } from './parameterVector.js';
import type { Dataset } from '../data/index.js';
import { loadDataset } from '../data/index.js';
import { RandomStreams } from '../util/random.js';
import { EngineError } from '../errors.js';
import { LENET_INPUT_SHAPE } from '../models/lenet.js';
import type { EvaluateTask, LoadDataTask, LoadModelTask, PruneTask, SensitivityTask, TrainTask } from '../plan/types.js';
import { allocatorFor, type AllocationOutcome } from './allocation.js';
import { runSensitivity, type SensitivityResult } from './sensitivity/analysis.js';
import type { RewindPoint } from '../recipe/types.js';
import { MaskSet, sparsityOf, type SparsityCount } from '../prune/index.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { buildBuiltinModel } from './builtinModels.js';
import { MaskBinding } from './maskBinding.js';
import { loadModel } from './modelFiles.js';
import { loadOnnxModel } from './onnxModel.js';
import { applyPruneTask } from './pruneTask.js';
import { channelGroupsToTarget } from '../api/groupTarget.js';
import { batchCount } from './batches.js';
import { ScheduledPruner, type MaskUpdateResult } from './scheduledPruning.js';
import type { SessionState } from './sessionState.js';
import { GradientWorkers } from './parallel/gradientWorkers.js';
import type { ShardingOptions } from './parallel/shardedGradients.js';
import { trainEpochs, type EpochResult, type TrainEvent } from './train.js';
import type { TrainingProgress } from './trainingProgress.js';
import { readWeight, weightNamed, writeWeight } from './weights.js';

export interface TaskHooks {
  readonly onTrainEvent?: ((event: TrainEvent) => void) | undefined;
  /** Each scheduled mask update inside a training task, as it is applied. */
  readonly onMaskUpdate?: ((update: MaskUpdateResult) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /** A training task goes on from this epoch checkpoint (the session already holds its state). */
  readonly resume?: TrainingProgress | undefined;
  /** A sensitivity analysis: after each of its evaluations, how many are done of how many. */
  readonly onSensitivityProgress?: ((done: number, total: number) => void) | undefined;
  /** After each epoch of a training task but the last: where it stands, to keep for a resume. */
  readonly onEpochEnd?: ((progress: TrainingProgress) => Promise<void>) | undefined;
}

/** What a training task did: its epochs, and the mask updates of its schedules (empty for none). */
export interface TrainResult {
  readonly epochs: EpochResult[];
  readonly maskUpdates: MaskUpdateResult[];
}

export interface PruneResult {
  /**
   * Sparsity of every parameter the task pruned or removed: from the mask, or for a removed one
   * (no mask any more) from the zeros its weight now holds.
   */
  readonly parameters: ReadonlyMap<string, SparsityCount>;
  /** Each pruned parameter's history after the task (torch's forward pre-hooks); [] once removed. */
  readonly histories: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  /** The parameters whose pruning the task made permanent. */
  readonly removed: readonly string[];
  /** What each allocating group (`allocate: sensitivity`) chose; [] for none. */
  readonly allocations: readonly AllocationOutcome[];
  /** Over every parameter pruned (tracked) at this point of the run. */
  readonly global: SparsityCount;
}

export interface SessionOptions {
  /** How training splits each batch's gradient (train.ts's defaultSharding); null: TF.js's loop. */
  readonly sharding?: ShardingOptions | null;
}

export class EngineSession {
  constructor(private readonly options: SessionOptions = {}) {}

  /** The gradient workers, started by the first training task that needs them, kept until dispose(). */
  private workers: Promise<GradientWorkers> | null = null;

  private workersFor(sharding: ShardingOptions | null | undefined): Promise<GradientWorkers> | undefined {
    if (sharding === undefined || sharding === null || sharding.threads < 2) return undefined;
    this.workers ??= GradientWorkers.start(sharding.threads - 1, sharding.backend);
    return this.workers;
  }

  /** Weights kept for rewinding: 'init' (at load-model) and 'epoch:N' (after epoch N of train). */
  private readonly snapshots = new Map<string, Map<string, Float32Array>>();

  private modelValue: tf.LayersModel | null = null;
  private dataValue: Dataset | null = null;

  get model(): tf.LayersModel {
    if (this.modelValue === null) throw new EngineError('NO_MODEL', 'no model is loaded (load-model has not run)');
    return this.modelValue;
  }

  /** The data, or null before load-data (or for a recipe without data). */
  get loadedData(): Dataset | null {
    return this.dataValue;
  }

  get data(): Dataset {
    if (this.dataValue === null) throw new EngineError('NO_DATA', 'no data is loaded (load-data has not run)');
    return this.dataValue;
  }

  /**
   * How the sharded loop gets the loaded model's gradients on this data: the direct pass
   * (engine/direct/) or TF.js's autodiff; null off the sharded loop or before model and data load.
   */
  gradientPass(): 'direct' | 'autodiff' | null {
    const model = this.modelValue;
    const data = this.dataValue;
    if (this.options.sharding === undefined || this.options.sharding === null || model === null || data === null) return null;
    const net = directNetOf(model, ParameterVector.of(model));
    return net !== null && fitsData(net, data.imageShape, data.numClasses) ? 'direct' : 'autodiff';
  }

  /**
   * The pruning state of the current model, as the library API keeps it beside the layers: a
   * snapshot (call again after pruning or training). A new model (load-model, fresh) has none.
   */
  get masks(): MaskSet {
    return this.modelValue === null ? new MaskSet() : masksOf(this.modelValue);
  }

  /** Builds or loads the model; a fresh start replaces the current one and drops every mask. */
  async loadModel(task: LoadModelTask): Promise<tf.LayersModel> {
    this.modelValue?.dispose();
    this.modelValue = null;
    this.modelValue =
      task.model.kind === 'builtin'
        ? buildBuiltinModel(task.model, task.seed)
        : task.model.kind === 'onnx'
          ? await loadOnnxModel(task.model)
          : await loadModel(task.model);
    // A fresh start rebuilds the same initial weights; the first load's copy stands for both.
    if (task.snapshot && !this.snapshots.has('init')) this.snapshots.set('init', snapshotWeights(this.modelValue));
    return this.modelValue;
  }

  async loadData(task: LoadDataTask): Promise<Dataset> {
    this.dataValue = await loadDataset(task.data, new RandomStreams(task.seed));
    this.checkInputShape();
    return this.dataValue;
  }

  /** A model and data that do not fit fail here, with both shapes, not deep inside TF.js. */
  private checkInputShape(): void {
    if (this.modelValue === null || this.dataValue === null) return;
    const expected = this.modelValue.inputs[0]?.shape.slice(1) ?? [...LENET_INPUT_SHAPE];
    const actual = this.dataValue.imageShape;
    const fits = expected.length === actual.length && expected.every((d, i) => d === null || d === actual[i]);
    if (!fits) {
      throw new EngineError(
        'INPUT_SHAPE_MISMATCH',
        `the model expects images of shape [${expected.join(', ')}] but the data has [${actual.join(', ')}]`,
      );
    }
  }

  async train(task: TrainTask, hooks: TaskHooks = {}): Promise<TrainResult> {
    const model = this.model;
    const steps = batchCount(this.data.train.count, task.config.batchSize);
    if (task.scheduled.length > 0 && steps !== task.stepsPerEpoch) {
      // The schedule was laid out on the planned step count; running it on another would shift every update.
      throw new EngineError(
        'SCHEDULE_STEPS',
        `${task.id}: the plan's schedule assumes ${task.stepsPerEpoch} steps per epoch but the training split gives ${steps}`,
      );
    }
    const pruner = task.scheduled.length > 0 ? new ScheduledPruner(model, task.scheduled, task.stepsPerEpoch, task.config.epochs) : null;
    const { resume, onEpochEnd } = hooks;
    // The updates before the checkpoint are in the masks it restored; the next is due at its first step.
    if (resume !== undefined) pruner?.skipBefore(resume.epochsDone * steps);
    const maskUpdates: MaskUpdateResult[] = [...(resume?.maskUpdates ?? [])];
    const masks = MaskBinding.fromMaskSet(model, this.masks);
    try {
      const workers = await this.workersFor(this.options.sharding);
      const epochs = await trainEpochs(model, this.data, {
        config: task.config,
        seed: task.seed,
        masks,
        onEvent: hooks.onTrainEvent,
        signal: hooks.signal,
        ...(this.options.sharding === undefined ? {} : { sharding: this.options.sharding }),
        workers,
        maskUpdates: pruner === null ? undefined : {
          before: (step) => {
            if (!pruner.dueAt(step)) return null;
            for (const update of pruner.applyDue(step)) {
              maskUpdates.push(update);
              hooks.onMaskUpdate?.(update);
            }
            return MaskBinding.fromMaskSet(model, masksOf(model));
          },
        },
        afterEpoch: task.snapshotEpochs.length === 0 ? undefined : (epoch) => {
          if (task.snapshotEpochs.includes(epoch)) this.snapshots.set(`epoch:${epoch}`, snapshotWeights(model));
        },
        resume,
        onEpochEnd: onEpochEnd === undefined ? undefined : (progress) => onEpochEnd({ ...progress, maskUpdates: [...maskUpdates] }),
      });
      return { epochs, maskUpdates };
    } finally {
      masks.dispose();
    }
  }

  /** Lottery-ticket rewinding: every weight back to a snapshot, masks kept. */
  private rewind(point: RewindPoint): void {
    const key = point.kind === 'init' ? 'init' : `epoch:${point.epoch}`;
    const snapshot = this.snapshots.get(key);
    if (snapshot === undefined) {
      // The planner asks for every snapshot a rewind needs; reaching here is a bug in the plan.
      throw new EngineError('REWIND_NO_SNAPSHOT', `no weights were kept for rewind to ${point.kind === 'init' ? 'init' : `epoch ${point.epoch}`}`);
    }
    rewindByName(this.model, snapshot);
  }

  /**
   * A prune task; `analyses` are the sensitivity results by task id that its allocating groups
   * (`allocate: sensitivity`) read their curves from; `signal` stops a plugin's call under way (Ctrl-C).
   */
  async prune(task: PruneTask, analyses: ReadonlyMap<string, SensitivityResult> = new Map(), signal?: AbortSignal): Promise<PruneResult> {
    const { allocate, allocations } = allocatorFor(this.model, task, analyses);
    const grouped = await applyPruneTask(this.model, task, { allocate, ...(signal === undefined ? {} : { signal }) });
    const filters = task.filters === null ? null : channelGroupsToTarget(this.model, task.filters);
    if (task.rewind !== null) this.rewind(task.rewind);
    const masks = this.masks;
    const names = [...new Set([...task.groups.flatMap((g) => g.parameters), ...grouped, ...(filters?.touched ?? []), ...task.remove])];
    const tracked = (name: string) => masks.get(name);
    return {
      parameters: new Map(
        names.map((name) => [name, tracked(name) === undefined ? this.weightSparsity(name) : masks.sparsity(name)]),
      ),
      histories: new Map(names.map((name) => [name, [...(tracked(name)?.history ?? [])]])),
      removed: [...task.remove],
      global: masks.globalSparsity(),
      allocations,
    };
  }

  /** A sensitivity analysis of the current state (the state is left as it was); the evaluations share the gradient workers. */
  async sensitivity(task: SensitivityTask, hooks: TaskHooks = {}): Promise<SensitivityResult> {
    const workers = await this.workersFor(this.options.sharding);
    return runSensitivity(this.model, this.data, task, { workers, signal: hooks.signal, onProgress: hooks.onSensitivityProgress });
  }

  /** Zeros in a weight's current values (a removed parameter keeps its pruning only there). */
  weightSparsity(name: string): SparsityCount {
    const values = readWeight(weightNamed(this.model, name));
    return sparsityOf(Uint8Array.from(values, (v) => (v === 0 ? 0 : 1)));
  }

  async evaluate(_task: EvaluateTask): Promise<Evaluation> {
    return evaluate(this.model, this.data);
  }

  /** Everything the tasks after this point depend on (data aside, which load-data reloads): for checkpoints. */
  captureState(): SessionState {
    const model = this.model;
    const weights = new Map(model.weights.map((w) => [w.originalName, { shape: w.shape.map((d) => d ?? 0), values: readWeight(weightNamed(model, w.originalName)).slice() }]));
    // Masks and histories only: the values are the weights just read.
    const pruning = pruningStatesByName(model);
    return { weights, pruning, snapshots: new Map([...this.snapshots].map(([key, values]) => [key, new Map(values)])) };
  }

  /** Puts a checkpoint's state into the loaded model (same architecture: the cache key says so). */
  restoreState(state: SessionState): void {
    const model = this.model;
    for (const weight of model.weights) {
      const saved = state.weights.get(weight.originalName);
      if (saved === undefined || saved.values.length !== weight.shape.reduce((a: number, b) => a * (b ?? 0), 1)) {
        throw new EngineError('CHECKPOINT_MISMATCH', `the checkpoint has no values of the right size for ${weight.originalName}`);
      }
    }
    for (const weight of model.weights) writeWeight(weight, state.weights.get(weight.originalName)!.values);
    restorePruningByName(model, state.pruning);
    this.snapshots.clear();
    for (const [key, values] of state.snapshots) this.snapshots.set(key, new Map(values));
  }

  /** Frees the model and stops the gradient workers. */
  async dispose(): Promise<void> {
    this.modelValue?.dispose();
    this.modelValue = null;
    const workers = this.workers;
    this.workers = null;
    // A pool that failed to start has no workers to stop; its error reached the train() that needed it.
    if (workers !== null) await (await workers.catch(() => null))?.close();
  }
}
