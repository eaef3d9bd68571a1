/** A person-readable listing of a plan, for `prune-run --dry-run`. */
import type { Amount } from '../recipe/types.js';
import type { Plan, PlanTask } from './types.js';

export function formatAmount(amount: Amount): string {
  return 'amount' in amount ? `${+(amount.amount * 100).toFixed(4)}%` : `${amount.count} entries`;
}

function describeTask(task: PlanTask, sizes: ReadonlyMap<string, readonly number[]>): string[] {
  switch (task.kind) {
    case 'load-model':
      return [task.model.kind === 'builtin' ? `built-in ${task.model.name} (init seed ${task.seed})` : task.model.path];
    case 'load-data':
      return [
        task.data.kind === 'builtin'
          ? `built-in ${task.data.name}: ${task.data.trainSize} train / ${task.data.testSize} test, split by seed ${task.seed}`
          : `IDX files: ${task.data.train.images} (+ labels), ${task.data.test.images} (+ labels)`,
      ];
    case 'train': {
      const c = task.config;
      return [`${c.epochs} epoch(s), batch ${c.batchSize}, ${c.optimizer} lr ${c.learningRate}`];
    }
    case 'prune':
      return task.groups.flatMap((group) => {
        const head =
          task.scope === 'global'
            ? `global ${group.method} ${formatAmount(group.amount)} over ${group.parameters.length} parameters`
            : `${group.method} ${formatAmount(group.amount)} on each of ${group.parameters.length} parameters`;
        return [head, ...group.parameters.map((name) => `  ${name} [${(sizes.get(name) ?? []).join(', ')}]`)];
      });
    case 'evaluate':
      return [`accuracy on the test split (${task.point})`];
    case 'export':
      return [task.saveModel ? 'masks.safetensors and model/ (masks applied)' : 'masks.safetensors'];
    case 'report':
      return ['report.md'];
  }
}

export function formatPlan(plan: Plan): string {
  const sizes = new Map(plan.model.parameters.map((p) => [p.name, p.shape]));
  const lines = [`plan for ${plan.recipe.file} (sha256 ${plan.recipe.hash.slice(0, 12)}, seed ${plan.seed})`];
  plan.tasks.forEach((task, index) => {
    const after = task.dependsOn.length > 0 ? `  ← ${task.dependsOn.join(', ')}` : '';
    lines.push(`${String(index + 1).padStart(2)}. ${task.id}${after}`);
    for (const line of describeTask(task, sizes)) lines.push(`      ${line}`);
  });
  return lines.join('\n');
}
