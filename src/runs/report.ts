/** report.md: what a person reads after a run. Rendered from the RunRecord alone. */
import { allocationMarkdown, sensitivityMarkdown } from './sensitivity.js';
import { determinismText, expectationsSection } from './reportExpectations.js';
import { stageLabel } from '../plan/taskIds.js';
import { scheduleSection } from './reportSchedule.js';
import type { CompactEntry, EvaluationEntry, MacsEntry, ParameterEntry, RunRecord, SizeEntry, SparseEntry, SparsityFigures } from './record.js';
import { exactZerosText, foldedText } from '../export/compactEntry.js';

const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');

function sparsityCell(f: SparsityFigures): string {
  return percent(f.sparsity);
}

/** The stage, with its cycle for a repeated one (the task id evaluate:<stage>#<k>:<point> says it). */
function cycleLabel(e: EvaluationEntry): string {
  return stageLabel(e.taskId);
}

export function evaluationLabel(e: EvaluationEntry): string {
  switch (e.point) {
    case 'before-pruning':
      return 'before pruning';
    case 'pruned':
      return `after pruning (${cycleLabel(e)})`;
    case 'finetuned':
      return `after fine-tuning (${cycleLabel(e)})`;
  }
}

/** Longer histories (a schedule adds one entry per mask update) keep their ends; record.json has them all. */
const HISTORY_SHOWN = 6;

function historyCell(history: readonly Record<string, unknown>[]): string {
  const cell = (h: Record<string, unknown>) => `\`${JSON.stringify(h)}\``;
  if (history.length > HISTORY_SHOWN) {
    const head = history.slice(0, 2).map(cell);
    const tail = history.slice(-2).map(cell);
    return [...head, `… ${history.length - 4} more …`, ...tail].join(' → ');
  }
  return history.map(cell).join(' → ') || '—';
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** export.compact: what was removed, and what it bought, as measured in the run. */
function compactSection(c: CompactEntry): string[] {
  const changed = c.layers.filter((l) => l.channelsAfter !== l.channelsBefore).length;
  const lines = ['', '## Compact export (`model-compact/`)', ''];
  lines.push(
    ...table(
      ['layer', 'class', 'channels before', 'channels after', 'removed'],
      c.layers.map((l) => [`\`${l.name}\``, l.className, String(l.channelsBefore), String(l.channelsAfter), String(l.channelsBefore - l.channelsAfter)]),
    ),
    '',
    `- ${changed} layer(s) lost channels; parameters: ${c.parametersBefore} → **${c.parametersAfter}** (${percent(1 - c.parametersAfter / c.parametersBefore)} fewer)` +
      (c.macs === undefined ? '' : `; multiply-adds per image: ${c.macs.before} → **${c.macs.after}** (${percent(1 - c.macs.after / c.macs.before)} fewer)`),
    `- bytes on disk (model.json + weights.bin): pruned dense model ${kb(c.bytes.dense)}, the same gzipped ${kb(c.bytes.denseGzipped)}, ` +
      `compact model **${kb(c.bytes.compact)}**`,
  );
  for (const note of [exactZerosText(c), foldedText(c)]) if (note !== null) lines.push(`- ${note}`);
  const m = c.comparison;
  if (m === null) lines.push('- no test split in this run: accuracy and speed were not compared');
  else {
    lines.push(
      `- on the ${m.images} test images: accuracy ${percent(m.maskedAccuracy)} (pruned) vs ${percent(m.compactAccuracy)} (compact), ` +
        `largest logit difference ${m.maxLogitDifference.toExponential(2)}`,
      `- inference: ${m.maskedImagesPerSecond.toFixed(0)} images/s (pruned) vs **${m.compactImagesPerSecond.toFixed(0)}** images/s (compact), ` +
        `${(m.compactImagesPerSecond / m.maskedImagesPerSecond).toFixed(2)}× (best of 3 passes each, in this run)`,
    );
  }
  return lines;
}

/** Above this a parameter is as good as cut off: global pruning's known failure (layer collapse). */
export const COLLAPSE_SPARSITY = 0.99;

function collapseWarnings(parameters: readonly ParameterEntry[]): string[] {
  // Pruned ones only: a bias initialised to zeros is not a collapse.
  const collapsed = parameters.filter((p) => p.pruned && p.figures.count > 0 && p.figures.sparsity > COLLAPSE_SPARSITY);
  if (collapsed.length === 0) return [];
  return [
    '',
    '## Warning: layer collapse',
    '',
    ...collapsed.map(
      (p) =>
        `- \`${p.name}\` is ${percent(p.figures.sparsity)} pruned (${p.figures.zeros} of ${p.figures.count}): its layer passes almost nothing on. ` +
        'A global threshold does this to layers of small weights; prune that layer locally (targets) or lower the amount.',
    ),
  ];
}

/** "multiply-adds per image 199968, 100404 with the kernels' pruned channels gone (50.21%)": each kernel counted with only its inputs and outputs that keep an entry. */
export function macsLine(macs: MacsEntry): string {
  return `multiply-adds per image ${macs.dense}, ${macs.pruned} with the kernels' pruned channels gone (${percent(macs.dense === 0 ? 1 : macs.pruned / macs.dense)})`;
}

function sizeSection(s: SizeEntry): string[] {
  return [
    '',
    '## Size',
    '',
    `- parameters ${s.parameters}, nonzero ${s.nonzeros} (${percent(s.nonzeros / s.parameters)})`,
    ...(s.macs == null ? [] : [`- ${macsLine(s.macs)}`]),
    `- the pruned model as TF.js saves it (model.json + weights.bin): ${kb(s.denseBytes)}, gzipped ${kb(s.denseGzippedBytes)}` +
      ' (zeros are stored as zeros: see export.compact and export.sparse for smaller files)',
  ];
}

function sparseSection(s: SparseEntry): string[] {
  return [
    '',
    '## Sparse export (`model-sparse/`)',
    '',
    `- bytes on disk: plain TF.js files (model/) ${kb(s.denseBytes)}, sparse files **${kb(s.bytes)}** ` +
      `(${percent(s.bytes / s.denseBytes)} of them); prune-run's \`sparseModelFromDir\` restores the dense model bit for bit`,
  ];
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function renderReport(record: RunRecord): string {
  const lines: string[] = [
    `# prune-run report: ${record.runId}`,
    '',
    `- recipe: \`${record.recipeFile}\` (sha256 \`${record.recipeHash.slice(0, 12)}\`)`,
    `- seed: ${record.seed}`,
    `- backend: ${record.backend}`,
  ];
  if (record.globalPruned !== null) {
    lines.push(
      `- global sparsity over the pruned parameters: **${percent(record.globalPruned.sparsity)}** ` +
        `(${record.globalPruned.zeros} of ${record.globalPruned.count})`,
    );
  }
  if (record.isPruned !== undefined) {
    const masked = record.parameters.filter((p) => p.pruned).length;
    lines.push(
      `- is_pruned (torch's \`prune.is_pruned(model)\`): **${String(record.isPruned)}**` +
        (record.isPruned
          ? ` (${masked === 1 ? '1 parameter carries' : `${masked} parameters carry`} a mask)`
          : ' (no parameter carries a mask: nothing pruned, or every pruning made permanent by remove)'),
    );
  }
  if (record.globalModel !== null) {
    lines.push(
      `- sparsity over all trainable parameters: ${percent(record.globalModel.sparsity)} ` +
        `(${record.globalModel.zeros} of ${record.globalModel.count})`,
    );
  }

  if (record.reused !== undefined && record.reused.length > 0) {
    const from = (f: 'cache' | 'checkpoint') => (f === 'cache' ? 'the stage cache' : "the run's own checkpoint (resumed)");
    lines.push(`- reused, not run again: ${record.reused.map((r) => `\`${r.taskId}\` (from ${from(r.from)})`).join(', ')}`);
  }
  if (record.determinism !== undefined) {
    const d = record.determinism;
    lines.push(`- identical reruns: ${d.promised ? determinismText(d) : `**${determinismText(d)}**`}`);
  }
  // Gates right below the facts: a failed build's reader looks for them first.
  lines.push(...expectationsSection(record.expectations));

  if (record.evaluations.length > 0) {
    lines.push('', '## Accuracy on the test split', '');
    lines.push(
      ...table(
        ['when', 'accuracy', 'loss', 'images'],
        record.evaluations.map((e) => [evaluationLabel(e), percent(e.accuracy), e.loss.toFixed(4), String(e.count)]),
      ),
    );
  }

  if ((record.sensitivity ?? []).length > 0) lines.push('', '## Sensitivity', '', ...sensitivityMarkdown(record.sensitivity ?? []));

  if (record.pruning.length > 0) {
    lines.push('', '## Stages', '');
    for (const stage of record.pruning) {
      lines.push(`### ${stage.taskId.replace(/^(prune|finetune):/, '')}`, '', `${stage.description}`, '');
      const history = (name: string) =>
        stage.removed?.includes(name) === true ? 'removed: pruning made permanent' : historyCell(stage.history?.[name] ?? []);
      lines.push(
        ...table(
          ['parameter', 'zeros', 'count', 'sparsity after this stage', 'history after this stage'],
          Object.entries(stage.parameters).map(([name, f]) => [
            `\`${name}\``,
            String(f.zeros),
            String(f.count),
            sparsityCell(f),
            history(name),
          ]),
        ),
      );
      lines.push(...allocationMarkdown(stage.allocations ?? []));
      lines.push('', `Global sparsity of the pruned parameters after this stage: ${percent(stage.global.sparsity)}`);
      if (stage.isPruned !== undefined) lines.push('', `\`prune.is_pruned(model)\` after this stage: ${String(stage.isPruned)}`);
      lines.push('');
    }
  }

  if (record.parameters.length > 0) {
    lines.push('', '## Parameters', '');
    lines.push(
      ...table(
        ['name', 'shape', 'count', 'zeros', 'sparsity', 'history'],
        record.parameters.map((p) => [
          `\`${p.name}\``+ (p.torch === undefined ? '' : ` (torch \`${p.torch}\`)`),
          `[${p.shape.join(', ')}]`,
          String(p.figures.count),
          String(p.figures.zeros),
          p.pruned ? percent(p.figures.sparsity) : 'not pruned',
          historyCell(p.history),
        ]),
      ),
    );
  }

  lines.push(...scheduleSection(record.training));
  lines.push(...collapseWarnings(record.parameters));
  if (record.size !== undefined) lines.push(...sizeSection(record.size));
  if (record.compact !== undefined) lines.push(...compactSection(record.compact));
  if (record.sparse !== undefined) lines.push(...sparseSection(record.sparse));

  if (record.training.length > 0) {
    lines.push('', '## Training', '');
    lines.push(
      ...table(
        ['task', 'epoch', 'loss', 'train accuracy', 'images/s'],
        record.training.flatMap((t) =>
          t.epochs.map((e) => [t.taskId, String(e.epoch), e.loss.toFixed(4), percent(e.accuracy), e.imagesPerSecond.toFixed(0)]),
        ),
      ),
    );
  }
  lines.push('');
  return lines.join('\n');
}
