/**
 * The run's record (record.json, report.md, report.html and the --json summary): what each task
 * did, as data. Executed tasks add their entries here; a reused task adds the entries its
 * checkpoint kept from when it was executed, so both give the same record.
 */
import { prune } from '../api/index.js';
import type { BackendInfo } from '../engine/backend/select.js';
import type { Evaluation } from '../engine/evaluate.js';
import type { EngineSession, PruneResult, TrainResult } from '../engine/session.js';
import { allParameters, type ModelDescription } from '../models/description.js';
import type { TorchNames } from '../models/torchNames.js';
import { summarizePruneTask } from '../plan/format.js';
import { summarizeScheduled } from '../plan/formatSchedule.js';
import type { EvaluateTask, PlanTask, PruneTask, SensitivityTask, TrainTask } from '../plan/types.js';
import { sparsityOf } from '../prune/index.js';
import type { RecordDelta } from '../cache/state.js';
import { checkExpectations } from '../runs/expectations.js';
import type { CompactEntry, DeterminismEntry, MacsEntry, OnnxEntry, RunRecord, SensitivityEntry, SensitivityResult, SparseEntry, SparsityFigures } from '../runs/record.js';
import type { PreparedRun } from './prepare.js';
import type { ReuseSource } from './taskCache.js';

const figures = (s: SparsityFigures): SparsityFigures => ({ count: s.count, zeros: s.zeros, sparsity: s.sparsity });

/** How many entries of each kind the record held at a point (RunRecordBuilder.mark). */
export interface RecordMark {
  readonly training: number;
  readonly pruning: number;
  readonly evaluations: number;
  readonly sensitivity: number;
}

export class RunRecordBuilder {
  readonly record: RunRecord;
  /** The torch names the final model's parameters are reported with: an ONNX import's, else none. */
  private readonly torchNames: TorchNames | undefined;

  constructor(runId: string, prepared: PreparedRun, backend: BackendInfo) {
    this.torchNames = prepared.recipe.model.kind === 'onnx' ? prepared.model.torch : undefined;
    this.record = {
      runId,
      recipeFile: prepared.recipePath,
      recipeHash: prepared.recipe.hash,
      seed: prepared.recipe.seed,
      backend: `${backend.name} (${backend.backendPackage} ${backend.backendVersion})`,
      training: [],
      pruning: [],
      evaluations: [],
      parameters: [],
      globalPruned: null,
      globalModel: null,
    };
  }

  mark(): RecordMark {
    return { training: this.record.training.length, pruning: this.record.pruning.length, evaluations: this.record.evaluations.length, sensitivity: this.analyses.length };
  }

  /** What was added since `mark`: the part of the record a task's checkpoint keeps. */
  since(mark: RecordMark): RecordDelta {
    return {
      training: this.record.training.slice(mark.training),
      pruning: this.record.pruning.slice(mark.pruning),
      evaluations: this.record.evaluations.slice(mark.evaluations),
      ...(this.analyses.length > mark.sensitivity ? { sensitivity: this.analyses.slice(mark.sensitivity) } : {}),
    };
  }

  /** The analyses recorded so far (record.sensitivity, created with the first). */
  private get analyses(): SensitivityEntry[] {
    return this.record.sensitivity ?? [];
  }

  addSensitivity(task: SensitivityTask, result: SensitivityResult): void {
    this.record.sensitivity = [...this.analyses, { taskId: task.id, stage: task.stage, ...result }];
  }

  /** Each analysis's result by its task id: what a step allocating from one reads. */
  sensitivityResults(): ReadonlyMap<string, SensitivityResult> {
    return new Map(this.analyses.map(({ taskId: id, stage: _stage, ...result }) => [id, result]));
  }

  /** A checkpoint stands for the task: its entries as the task recorded them, and a note that it was reused. */
  addReused({ id: taskId, stage }: PlanTask, from: ReuseSource, delta: RecordDelta): void {
    // The cache's entries are our own, hash-checked: the same JSON the executed task produced.
    this.record.training.push(...(delta.training as RunRecord['training']));
    this.record.pruning.push(...(delta.pruning as RunRecord['pruning']));
    this.record.evaluations.push(...(delta.evaluations as RunRecord['evaluations']));
    // An analysis is keyed without its task id and stage (cache/keys.ts): another task's entry
    // (`prune-run sensitivity`'s, an allocating stage's) stands for this one under its own name.
    const analyses = (delta.sensitivity ?? []) as SensitivityEntry[];
    if (analyses.length > 0) this.record.sensitivity = [...this.analyses, ...analyses.map((entry) => ({ ...entry, taskId, stage }))];
    this.record.reused = [...(this.record.reused ?? []), { taskId, from }];
  }

  addTraining(task: TrainTask, { epochs, maskUpdates }: TrainResult, session: EngineSession): void {
    this.record.training.push({
      taskId: task.id,
      stage: task.stage,
      phase: task.phase,
      epochs,
      ...(maskUpdates.length === 0 ? {} : { maskUpdates: maskUpdates.map(({ step, epoch, group, target, sparsity: s, newlyPruned }) => ({ step, epoch, group, target, sparsity: s, newlyPruned })) }),
    });
    // A stage that prunes on a schedule has no prune task: its pruning is recorded here, as a stage's.
    if (task.scheduled.length > 0) {
      const masks = session.masks;
      const names = [...new Set(task.scheduled.flatMap((g) => g.group.parameters))];
      this.record.pruning.push({
        taskId: task.id,
        stage: task.stage ?? task.id,
        scope: task.scheduled[0]!.scope,
        description: summarizeScheduled(task),
        parameters: Object.fromEntries(names.map((name) => [name, figures(masks.sparsity(name))])),
        history: Object.fromEntries(names.map((name) => [name, [...(masks.get(name)?.history ?? [])]])),
        global: figures(masks.globalSparsity()),
        isPruned: prune.isPruned(session.model),
      });
    }
  }

  addPruning(task: PruneTask, result: PruneResult, session: EngineSession): void {
    this.record.pruning.push({
      taskId: task.id,
      stage: task.stage ?? task.id,
      scope: task.scope,
      description: summarizePruneTask(task),
      parameters: Object.fromEntries([...result.parameters].map(([name, s]) => [name, figures(s)])),
      history: Object.fromEntries(result.histories),
      removed: result.removed,
      global: figures(result.global),
      isPruned: prune.isPruned(session.model),
      ...(result.allocations.length === 0 ? {} : { allocations: result.allocations }),
    });
  }

  addEvaluation(task: EvaluateTask, evaluation: Evaluation): void {
    this.record.evaluations.push({ taskId: task.id, stage: task.stage, point: task.point, ...evaluation });
  }

  /**
   * The final model, parameter by parameter, and its sparsity over the pruned parameters and over
   * all of them; returns the total and zero counts the size accounting starts from.
   */
  addFinalModel(model: ModelDescription, session: EngineSession): SparsityFigures {
    const masks = session.masks;
    this.record.parameters = allParameters(model).map((p) => {
      const state = masks.get(p.name);
      const torch = this.torchNames?.[p.name]?.name;
      return {
        name: p.name,
        ...(torch === undefined ? {} : { torch }),
        shape: p.shape,
        pruned: state !== undefined,
        // Untracked: never pruned, or removed (its zeros are in the weight now).
        figures: figures(state === undefined ? session.weightSparsity(p.name) : sparsityOf(state.mask)),
        history: state?.history ?? [],
      };
    });
    this.record.globalPruned = masks.names().length > 0 ? figures(masks.globalSparsity()) : null;
    this.record.isPruned = prune.isPruned(session.model);
    const total = this.record.parameters.reduce((sum, p) => sum + p.figures.count, 0);
    const zeros = this.record.parameters.reduce((sum, p) => sum + p.figures.zeros, 0);
    this.record.globalModel = { count: total, zeros, sparsity: total > 0 ? zeros / total : 0 };
    return this.record.globalModel;
  }

  /** The plain TF.js files' size (written or only measured) beside the final model's counts. */
  addSize(model: SparsityFigures, dense: { denseBytes: number; denseGzippedBytes: number }, macs: MacsEntry | null): void {
    this.record.size = { parameters: model.count, nonzeros: model.count - model.zeros, ...dense, macs };
  }

  addCompact(entry: CompactEntry): void {
    this.record.compact = entry;
  }

  addSparse(entry: SparseEntry): void {
    this.record.sparse = entry;
  }

  addOnnx(entry: OnnxEntry): void {
    this.record.onnx = entry;
  }

  /** The rerun promise and the recipe's gates, checked when the report is written (all reports show them). */
  addReportChecks(determinism: DeterminismEntry, prepared: PreparedRun): void {
    this.record.determinism = determinism;
    // A `prune-run sensitivity` run prunes nothing for good: the recipe's gates are about its stages.
    if (prepared.recipe.expect.length > 0 && prepared.plan.command !== 'sensitivity') this.record.expectations = checkExpectations(prepared.recipe.expect, this.record);
  }
}
