/** report.md's section on scheduled pruning: every mask update of every training task that had one. */
import type { TrainingEntry } from './record.js';

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

export function scheduleSection(training: readonly TrainingEntry[]): string[] {
  const scheduled = training.filter((t) => (t.maskUpdates?.length ?? 0) > 0);
  if (scheduled.length === 0) return [];
  const lines = ['', '## Scheduled pruning', ''];
  for (const task of scheduled) {
    const updates = task.maskUpdates ?? [];
    const last = updates[updates.length - 1]!;
    lines.push(
      `### ${task.taskId}`,
      '',
      `${updates.length} mask updates; sparsity of the scheduled parameters at the end: **${percent(last.sparsity)}** (target ${percent(last.target)})`,
      '',
      '| step | epoch | target | reached | newly pruned |',
      '|---|---|---|---|---|',
      ...updates.map((u) => `| ${u.step} | ${u.epoch} | ${percent(u.target)} | ${percent(u.sparsity)} | ${u.newlyPruned} |`),
      '',
    );
  }
  return lines;
}
