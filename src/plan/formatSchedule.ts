/**
 * --dry-run lines for a training task's scheduled pruning and snapshots: the schedule as written,
 * then every mask update with its step, epoch, target sparsity and the entries (or channels) each
 * parameter — or the pool — will have pruned after it, from the real steps per epoch.
 */
import { pythonRound } from '../prune/amount.js';
import { MEASURE_WORDS } from '../models/groupPruning.js';
import { isStructuredSpec } from '../methods/index.js';
import type { ScheduleSpec } from '../schedules/index.js';
import type { PruneTask, ScheduledGroup, TrainTask } from './types.js';

function scheduleText(s: ScheduleSpec): string {
  const span = s.kind === 'constant' ? `at ${s.start} ${s.unit}` : `${s.start} → ${s.end} ${s.unit}, every ${s.every} steps`;
  return s.kind === 'constant' ? `constant ${pct(s.final)} ${span}` : `${s.kind} ${pct(s.initial)} → ${pct(s.final)}, ${span}`;
}

const pct = (x: number) => `${+(x * 100).toFixed(2)}%`;

function sizeOf(shape: readonly number[] | undefined): number {
  return (shape ?? []).reduce((a, b) => a * b, 1);
}

/** What each update leaves pruned: pool entries (global), or per parameter entries / channels. */
function prunedAfter(group: ScheduledGroup, sparsity: number, shapes: ReadonlyMap<string, readonly number[]>): string {
  const { parameters, planned, method } = group.group;
  if (group.scope === 'global') {
    const total = parameters.reduce((sum, name) => sum + sizeOf(shapes.get(name)), 0);
    return `${pythonRound(sparsity * total)} of ${total} entries`;
  }
  return parameters
    .map((name) => {
      const axis = planned[name]?.axis ?? null;
      const shape = shapes.get(name) ?? [];
      const structured = isStructuredSpec(method) && axis !== null;
      const total = structured ? (shape[axis] ?? 0) : sizeOf(shape);
      return `${name} ${pythonRound(sparsity * total)}/${total}${structured ? ' channels' : ''}`;
    })
    .join(', ');
}

export function describeSchedules(task: TrainTask, shapes: ReadonlyMap<string, readonly number[]>): string[] {
  const lines: string[] = [];
  if (task.snapshotEpochs.length > 0) lines.push(`keeps the weights after epoch ${task.snapshotEpochs.join(', ')} (for rewind)`);
  task.scheduled.forEach((group) => {
    const total = task.stepsPerEpoch * task.config.epochs;
    lines.push(
      `prunes during training: ${group.scope === 'global' ? 'global ' : ''}${group.group.method.method} over ${group.group.parameters.join(', ')}, ` +
        `${scheduleText(group.schedule)} (${task.stepsPerEpoch} steps per epoch, ${total} steps); ${group.updates.length} mask updates:`,
    );
    for (const update of group.updates) {
      const epoch = Math.min(Math.floor(update.step / task.stepsPerEpoch) + 1, task.config.epochs);
      const when = update.step === total ? `after step ${total - 1} (end)` : `step ${String(update.step).padStart(String(total).length)} (epoch ${epoch})`;
      lines.push(`  ${when}: ${pct(update.sparsity).padStart(7)} → ${prunedAfter(group, update.sparsity, shapes)}`);
    }
  });
  return lines;
}

/** A prune task's filter pruning, cycle and rewind, in words ([] for a plain one-shot stage). */
export function describeCycleAndRewind(task: PruneTask): string[] {
  const lines: string[] = [];
  if (task.filters !== null) {
    const { kernels, fraction, measure, minChannels } = task.filters;
    lines.push(
      `filters: removes channels of the groups of ${kernels.join(', ')} one at a time, least important per unit of cost first, ` +
        `until the removed channels take away ${pct(fraction)} of the model's ${MEASURE_WORDS[measure]}; each group keeps at least ${pct(minChannels)} of its channels ` +
        '(a channel goes with every slice of it: kernels, biases, batch norm, depthwise convs, the inputs that read it)',
    );
  }
  if (task.cycle.of > 1) lines.push(`cycle ${task.cycle.index} of ${task.cycle.of}: each amount is taken from what is still unpruned`);
  if (task.rewind !== null) {
    const to = task.rewind.kind === 'init' ? 'their initial values' : `their values after epoch ${task.rewind.epoch} of train`;
    lines.push(`then rewinds every surviving weight to ${to} (lottery ticket); pruned entries stay zero`);
  }
  return lines;
}

/** One line for a training task's scheduled pruning, for the report's stage list. */
export function summarizeScheduled(task: TrainTask): string {
  return task.scheduled
    .map((g) => `${g.scope === 'global' ? 'global ' : ''}${g.group.method.method} over ${g.group.parameters.join(', ')} during training: ${scheduleText(g.schedule)}, ${g.updates.length} mask updates`)
    .join('; ');
}
