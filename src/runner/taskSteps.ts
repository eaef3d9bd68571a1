/**
 * What each kind of plan task does in a run: the engine session's work, the record entries and
 * the metrics lines it leaves. The task executor decides whether a task is executed at all.
 */
import type { TaskHooks } from '../engine/session.js';
import type { SessionState } from '../engine/sessionState.js';
import { stageLabel } from '../plan/taskIds.js';
import type { LoadDataTask, LoadModelTask, PlanTask, TrainTask } from '../plan/types.js';
import { renderReport } from '../runs/report.js';
import { SENSITIVITY_CSV, SENSITIVITY_JSON, sensitivityCsv, sensitivityDocument } from '../runs/sensitivity.js';
import { readRunMetrics, renderHtmlReport } from '../runs/html/index.js';
import type { MaskSet } from '../prune/index.js';
import type { MetricsLog } from './metricsLog.js';
import type { RunContext } from './runContext.js';
import { writeRunExports } from './runExports.js';
import type { RunRecordBuilder } from './runRecordBuilder.js';
import type { TaskSteps } from './taskExecutor.js';

/**
 * The stage a metrics line belongs to, with its cycle for a repeated stage (imp#2), read from the
 * task id (prune:imp#2, finetune:imp#2, evaluate:imp#2:pruned); null outside stages.
 */
function metricsStage(task: PlanTask): string | null {
  return task.stage === null ? null : stageLabel(task.id);
}

/** Each pruned (tracked) parameter's sparsity, by name, for a metrics line; none before anything is pruned. */
function parameterSparsity(masks: MaskSet): Record<string, number> | undefined {
  const names = masks.names();
  return names.length === 0 ? undefined : Object.fromEntries(names.map((name) => [name, masks.sparsity(name).sparsity]));
}

export class SessionTaskSteps implements TaskSteps {
  constructor(
    private readonly run: RunContext,
    private readonly records: RunRecordBuilder,
    private readonly metrics: MetricsLog,
  ) {}

  captureState(): SessionState {
    return this.run.session.captureState();
  }

  restoreState(state: SessionState): void {
    this.run.session.restoreState(state);
  }

  inputsOf(task: LoadDataTask | LoadModelTask): Promise<unknown> {
    return task.kind === 'load-data' ? Promise.resolve(this.run.session.loadedData?.identity ?? null) : this.run.modelFiles();
  }

  async execute(task: PlanTask, hooks: TaskHooks): Promise<string> {
    const { session } = this.run;
    switch (task.kind) {
      case 'load-model': {
        const model = await session.loadModel(task);
        return `${model.countParams()} parameters`;
      }
      case 'load-data': {
        const data = await session.loadData(task);
        return `${data.train.count} train / ${data.test.count} test images`;
      }
      case 'train':
        return this.train(task, hooks);
      case 'prune': {
        const result = await session.prune(task, this.records.sensitivityResults(), hooks.signal);
        this.records.addPruning(task, result, session);
        await this.metrics.write({ stage: metricsStage(task) ?? task.id, phase: 'prune', sparsity: result.global.sparsity, parameters: parameterSparsity(session.masks) });
        const chosen = result.allocations.flatMap((a) => a.parameters.map((p) => `${p.name} ${(p.amount * 100).toFixed(1)}%`));
        return `global sparsity ${(result.global.sparsity * 100).toFixed(2)}%${chosen.length === 0 ? '' : ` (allocated: ${chosen.join(', ')})`}`;
      }
      case 'sensitivity': {
        const result = await session.sensitivity(task, hooks);
        this.records.addSensitivity(task, result);
        const evaluations = 1 + result.curves.length * result.amounts.length;
        return `${result.curves.length} curve(s) × ${result.amounts.length} amounts (${evaluations} evaluations), accuracy before ${(result.baseline.accuracy * 100).toFixed(2)}%`;
      }
      case 'evaluate': {
        const evaluation = await session.evaluate(task);
        this.records.addEvaluation(task, evaluation);
        const masks = session.masks;
        await this.metrics.write({
          stage: metricsStage(task) ?? task.point,
          phase: 'evaluate',
          loss: evaluation.loss,
          accuracy: evaluation.accuracy,
          sparsity: masks.globalSparsity().sparsity,
          parameters: parameterSparsity(masks),
        });
        return `accuracy ${(evaluation.accuracy * 100).toFixed(2)}%, loss ${evaluation.loss.toFixed(4)}`;
      }
      case 'export':
        return writeRunExports(task, this.run, this.records);
      case 'report': {
        // The gates and the rerun promise first: record.json, report.md and report.html all show them.
        this.records.addReportChecks(this.run.determinism(), this.run.prepared);
        const { record } = this.records;
        const { dir } = this.run;
        // record.json: the same facts as report.md, as data (prune-run compare and report.html read it).
        await dir.writeJson('record.json', record);
        await dir.writeText('report.md', renderReport(record));
        const analyses = record.sensitivity ?? [];
        if (analyses.length > 0) {
          await dir.writeJson(SENSITIVITY_JSON, sensitivityDocument(analyses));
          await dir.writeText(SENSITIVITY_CSV, sensitivityCsv(analyses));
        }
        // report.html charts metrics.jsonl as it is on disk (every write above has finished, the
        // folder runs them in call order), so it shows exactly the lines a reader of the file sees,
        // whichever task wrote them.
        await dir.writeText('report.html', renderHtmlReport(record, await readRunMetrics(dir)));
        return `report.md, record.json, report.html${(record.sensitivity ?? []).length > 0 ? `, ${SENSITIVITY_JSON}, ${SENSITIVITY_CSV}` : ''}`;
      }
    }
  }

  private async train(task: TrainTask, hooks: TaskHooks): Promise<string> {
    const { session } = this.run;
    // Each epoch's line is written when the epoch ends (the writer keeps call order), so an
    // interrupted run keeps the epochs it finished; the writes are awaited before returning.
    const masksNow = () => {
      const masks = session.masks;
      return { sparsity: masks.globalSparsity().sparsity, parameters: parameterSparsity(masks) };
    };
    let now = masksNow();
    const learningRate = task.config.learningRate;
    const writes: Promise<void>[] = [];
    const stage = metricsStage(task) ?? 'train';
    const result = await session.train(task, {
      ...hooks,
      onTrainEvent: (event) => {
        if (event.kind === 'epoch') {
          const { epoch, loss, accuracy } = event;
          writes.push(this.metrics.write({ stage, phase: task.phase, epoch, loss, accuracy, sparsity: now.sparsity, learning_rate: learningRate, parameters: now.parameters }));
        }
        hooks.onTrainEvent?.(event);
      },
      onMaskUpdate: (update) => {
        // `sparsity`: the schedule's own parameters'; global_sparsity and epoch lines: every pruned parameter's.
        now = masksNow();
        const { epoch, step, sparsity } = update;
        writes.push(this.metrics.write({ stage, phase: 'prune', epoch, step, sparsity, global_sparsity: now.sparsity, parameters: now.parameters }));
      },
    }).finally(() => Promise.all(writes));
    this.records.addTraining(task, result, session);
    const last = result.epochs[result.epochs.length - 1];
    const resumed = hooks.resume === undefined ? '' : ` (went on after epoch ${String(hooks.resume.epochsDone)})`;
    return last === undefined ? 'no epochs' : `loss ${last.loss.toFixed(4)}, train accuracy ${(last.accuracy * 100).toFixed(2)}%${resumed}`;
  }
}
