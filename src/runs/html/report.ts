/**
 * report.html: the facts of report.md (same record, same wording where it can be) plus charts,
 * as one file with its CSS and SVG inline and no scripts or external references, so it opens
 * anywhere, prints, and can be attached to a pull request as it is.
 */
import type { MetricsRecord } from '../metrics.js';
import type { ParameterEntry, RunRecord, TrainingEntry } from '../record.js';
import { determinismText } from '../reportExpectations.js';
import { expectationsSection } from './expectations.js';
import { accuracyChart, lossChart, parameterSparsityChart, runPointsChart, scheduleChart, type ChartOutcome } from './charts.js';
import { element, join, text, type Markup } from './markup.js';
import { evaluationLabel } from '../report.js';
import { compactSection, sizeSection, sparseSection } from './sizes.js';
import { allocationTables, sensitivitySection } from './sensitivity.js';
import { COLLAPSE_SPARSITY, parameterState } from './series.js';
import { htmlPage } from './page.js';
import { code, heading, history, inline, list, nowrap, paragraph, strong, table, type Cell } from './tables.js';

const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** The key facts as a two-column list. */
function facts(record: RunRecord): Markup {
  const rows: [string, Cell][] = [
    ['run', code(record.runId)],
    ['recipe', inline(code(record.recipeFile), ' (sha256 ', code(record.recipeHash.slice(0, 12)), ')')],
    ['seed', String(record.seed)],
    ['backend', record.backend],
  ];
  const first = record.evaluations[0];
  const last = record.evaluations[record.evaluations.length - 1];
  if (first !== undefined && last !== undefined) {
    rows.push([
      'test accuracy',
      first === last
        ? inline(strong(percent(first.accuracy)), ` (${evaluationLabel(first)})`)
        : inline(`${percent(first.accuracy)} ${evaluationLabel(first)} → `, strong(percent(last.accuracy)), ` ${evaluationLabel(last)}`),
    ]);
  }
  if (record.globalPruned !== null) {
    const g = record.globalPruned;
    rows.push(['global sparsity of the pruned parameters', inline(strong(percent(g.sparsity)), ` (${g.zeros} of ${g.count})`)]);
  }
  if (record.globalModel !== null) {
    const g = record.globalModel;
    rows.push(['sparsity over all trainable parameters', `${percent(g.sparsity)} (${g.zeros} of ${g.count})`]);
  }
  if (record.isPruned !== undefined) {
    const masked = record.parameters.filter((p) => p.pruned).length;
    rows.push([
      'is_pruned',
      inline(
        strong(String(record.isPruned)),
        record.isPruned
          ? ` — ${masked === 1 ? '1 parameter carries' : `${masked} parameters carry`} a mask (torch's `
          : ' — no parameter carries a mask: nothing pruned, or every pruning made permanent by remove (torch\'s ',
        code('prune.is_pruned(model)'),
        ')',
      ),
    ]);
  }
  if (record.determinism !== undefined) {
    const d = record.determinism;
    rows.push(['identical reruns', d.promised ? determinismText(d) : strong(determinismText(d))]);
  }
  return element(
    'ul',
    { class: 'facts' },
    rows.map(([key, value]) =>
      element('li', {}, [element('span', { class: 'key' }, [text(key)]), element('span', {}, [typeof value === 'string' ? text(value) : value])]),
    ),
  );
}

function collapseWarning(parameters: readonly ParameterEntry[]): Markup[] {
  const collapsed = parameters.filter((p) => parameterState(p) === 'collapsed');
  if (collapsed.length === 0) return [];
  return [
    element('section', { class: 'warning', id: 'layer-collapse' }, [
      heading(2, 'Warning: layer collapse'),
      list(
        collapsed.map((p) =>
          inline(
            code(p.name),
            ` is ${percent(p.figures.sparsity)} pruned (${p.figures.zeros} of ${p.figures.count}): its layer passes almost nothing on. ` +
              'A global threshold does this to layers of small weights; prune that layer locally (targets) or lower the amount.',
          ),
        ),
      ),
    ]),
  ];
}

function figure(outcome: ChartOutcome): Markup {
  const notes = outcome.notes.map((n) => element('figcaption', {}, [text(n)]));
  return element('figure', {}, outcome.svg === null ? notes : [outcome.svg, ...notes]);
}

function chartsSection(record: RunRecord, metrics: readonly MetricsRecord[]): Markup[] {
  const schedule = scheduleChart(metrics);
  const accuracy = accuracyChart(metrics);
  return [
    heading(2, 'Charts', 'charts'),
    // A sensitivity analysis's run exports no model: its chart is the sensitivity section's.
    ...(record.parameters.length === 0 && (record.sensitivity ?? []).length > 0 ? [] : [figure(parameterSparsityChart(record.parameters))]),
    ...(accuracy === null ? [] : [figure(accuracy)]),
    figure(runPointsChart(metrics)),
    figure(lossChart(metrics)),
    ...(schedule === null ? [] : [figure(schedule)]),
  ];
}

function accuracySection(record: RunRecord): Markup[] {
  if (record.evaluations.length === 0) return [];
  return [
    heading(2, 'Accuracy on the test split', 'accuracy'),
    table(
      ['when', 'accuracy', 'loss', 'images'],
      record.evaluations.map((e) => [evaluationLabel(e), percent(e.accuracy), fixed(e.loss, 4), String(e.count)]),
      [1, 2, 3],
    ),
  ];
}

function stagesSection(record: RunRecord): Markup[] {
  if (record.pruning.length === 0) return [];
  const parts: Markup[] = [heading(2, 'Stages', 'stages')];
  for (const stage of record.pruning) {
    const historyCell = (name: string): Cell =>
      stage.removed?.includes(name) === true ? 'removed: pruning made permanent' : history(stage.history?.[name] ?? []);
    parts.push(
      heading(3, stage.taskId.replace(/^(prune|finetune):/, '')),
      paragraph(stage.description),
      table(
        ['parameter', 'zeros', 'count', 'sparsity after this stage', 'history after this stage'],
        Object.entries(stage.parameters).map(([name, f]) => [code(name), String(f.zeros), String(f.count), percent(f.sparsity), historyCell(name)]),
        [1, 2, 3],
      ),
      ...allocationTables(stage.allocations ?? []),
      paragraph('Global sparsity of the pruned parameters after this stage: ', strong(percent(stage.global.sparsity))),
    );
    if (stage.isPruned !== undefined) parts.push(paragraph(code('prune.is_pruned(model)'), ` after this stage: ${String(stage.isPruned)}`));
  }
  return parts;
}

function parametersSection(parameters: readonly ParameterEntry[]): Markup[] {
  if (parameters.length === 0) return [];
  return [
    heading(2, 'Parameters', 'parameters'),
    table(
      ['name', 'shape', 'count', 'zeros', 'sparsity', 'history'],
      parameters.map((p) => [
        p.torch === undefined ? code(p.name) : join([code(p.name), text(' (torch '), code(p.torch), text(')')], text('')),
        nowrap(`[${p.shape.join(', ')}]`),
        String(p.figures.count),
        String(p.figures.zeros),
        p.pruned ? percent(p.figures.sparsity) : nowrap('not pruned'),
        history(p.history),
      ]),
      [2, 3, 4],
    ),
  ];
}

/** Mask-update tables longer than this fold into a <details>, so the page stays short. */
const LONG_TABLE = 12;

/** Scheduled pruning: every mask update of every training task that had one (record.training). */
function scheduleSection(training: readonly TrainingEntry[]): Markup[] {
  const scheduled = training.filter((t) => (t.maskUpdates?.length ?? 0) > 0);
  if (scheduled.length === 0) return [];
  const parts: Markup[] = [heading(2, 'Scheduled pruning', 'scheduled-pruning')];
  for (const task of scheduled) {
    const updates = task.maskUpdates ?? [];
    const last = updates[updates.length - 1]!;
    const updatesTable = table(
      ['step', 'epoch', 'target', 'reached', 'newly pruned'],
      updates.map((u) => [String(u.step), String(u.epoch), percent(u.target), percent(u.sparsity), String(u.newlyPruned)]),
      [0, 1, 2, 3, 4],
    );
    parts.push(
      heading(3, task.taskId),
      paragraph(
        `${updates.length} mask updates; sparsity of the scheduled parameters at the end: `,
        strong(percent(last.sparsity)),
        ` (target ${percent(last.target)})`,
      ),
      updates.length > LONG_TABLE
        ? element('details', {}, [element('summary', {}, [text(`all ${updates.length} mask updates`)]), updatesTable])
        : updatesTable,
    );
  }
  return parts;
}

function trainingSection(record: RunRecord): Markup[] {
  if (record.training.length === 0) return [];
  return [
    heading(2, 'Training', 'training'),
    table(
      ['task', 'epoch', 'loss', 'train accuracy', 'images/s'],
      record.training.flatMap((t) => t.epochs.map((e) => [code(t.taskId), String(e.epoch), fixed(e.loss, 4), percent(e.accuracy), fixed(e.imagesPerSecond, 0)])),
      [1, 2, 3, 4],
    ),
  ];
}

/** The whole page. `metrics` are the run's metrics.jsonl lines (parseMetricsJsonl), in order. */
export function renderHtmlReport(record: RunRecord, metrics: readonly MetricsRecord[]): string {
  const body: Markup[] = [
    element('h1', {}, [text('prune-run report'), element('small', {}, [text(record.runId)])]),
    facts(record),
    ...expectationsSection(record.expectations),
    ...collapseWarning(record.parameters),
    ...sensitivitySection(record.sensitivity ?? []),
    ...chartsSection(record, metrics),
    ...accuracySection(record),
    ...stagesSection(record),
    ...parametersSection(record.parameters),
    ...scheduleSection(record.training),
    ...(record.size === undefined ? [] : sizeSection(record.size)),
    ...(record.compact === undefined ? [] : compactSection(record.compact)),
    ...(record.sparse === undefined ? [] : sparseSection(record.sparse)),
    ...trainingSection(record),
    element('footer', {}, [
      text(`Rendered by prune-run from the run's record.json and metrics.jsonl. A pruned parameter above ${COLLAPSE_SPARSITY * 100}% sparsity is flagged as collapsed.`),
    ]),
  ];
  return htmlPage(`prune-run report: ${record.runId}`, body);
}
