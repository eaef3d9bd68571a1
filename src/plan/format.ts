/**
 * A person-readable listing of a plan, for `prune-run --dry-run`: every task, and for every
 * parameter a prune task touches, the method, the TF.js axis a structured method resolved to and
 * what the step will do to it. Also the one-line summaries the runner writes into the report.
 */
import path from 'node:path';
import { describeTorchDim, torchDimOf } from '../prune/axis.js';
import { pythonRound } from '../prune/amount.js';
import { formatNorm } from '../prune/norm.js';
import { INPUT_AXIS } from '../prune/semiStructured.js';
import { formatAxisSpec, type MethodSpec } from '../prune/spec.js';
import type { Amount } from '../recipe/types.js';
import { describeCycleAndRewind, describeSchedules } from './formatSchedule.js';
import type { ImportanceSource, Plan, PlanTask, PlannedPrune, PruneGroup, PruneTask } from './types.js';

export function formatAmount(amount: Amount, unit = 'entries'): string {
  return 'amount' in amount ? `${+(amount.amount * 100).toFixed(4)}%` : `${amount.count} ${unit}`;
}

/** "ln_structured 50% (n=2, axis: out)", "l1_unstructured 3 entries", "identity". */
export function describeMethod(spec: MethodSpec): string {
  switch (spec.method) {
    case 'identity':
      return 'identity';
    case 'l1_unstructured':
    case 'random_unstructured':
      return `${spec.method} ${formatAmount(spec.amount)}`;
    case 'ln_structured':
      return `ln_structured ${formatAmount(spec.amount, 'channels')} (n=${String(spec.n)}, ${formatAxisSpec(spec.axis)})`;
    case 'random_structured':
      return `random_structured ${formatAmount(spec.amount, 'channels')} (${formatAxisSpec(spec.axis)})`;
    case 'custom_from_mask':
      return `custom_from_mask ${spec.mask.tensor} of ${path.basename(spec.mask.file)}${spec.mask.layout === 'torch' ? ' (torch layout)' : ''}`;
    case 'semi_structured':
      return `semi_structured ${spec.pattern.n}:${spec.pattern.m}`;
    case 'custom': {
      const plugin = spec.plugin === null ? 'not loaded' : `"${spec.plugin.name}", ${spec.plugin.kind}`;
      return `custom ${spec.module} (${plugin}${spec.axis === undefined ? '' : `, ${formatAxisSpec(spec.axis)}`})`;
    }
  }
}

/** The ranking rule: "smallest |w| first", or by another parameter's values. */
function rankText(importance: ImportanceSource, key: string): string {
  return importance.kind === 'weights' ? `smallest ${key} first` : `smallest ${key} of ${importance.name}'s values first`;
}

function describeGroup(group: PruneGroup, scope: PruneTask['scope']): string {
  const scores = group.importance.kind === 'parameter' ? ` (ranked by ${group.importance.name}'s values)` : '';
  return scope === 'global'
    ? `global ${describeMethod(group.method)} over ${group.parameters.join(', ')}${capText(group)}`
    : `${describeMethod(group.method)} on each of ${group.parameters.join(', ')}${scores}`;
}

/** One line for a prune task: its groups, then what it makes permanent. */
export function summarizePruneTask(task: PruneTask): string {
  const parts = task.groups.map((g) => describeGroup(g, task.scope));
  if (task.remove.length > 0) parts.push(`remove (make permanent) ${task.remove.join(', ')}`);
  if (task.filters !== null) parts.push(`filters of ${task.filters.kernels.join(', ')} to ${+(task.filters.target * 100).toFixed(2)}% of the model's parameters`);
  if (task.rewind !== null) parts.push(`rewind to ${task.rewind.kind === 'init' ? 'init' : `epoch ${task.rewind.epoch}`}`);
  const text = parts.join('; ') || 'nothing';
  return task.cycle.of > 1 ? `cycle ${task.cycle.index}/${task.cycle.of}: ${text}` : text;
}

/**
 * How many entries or channels: exact when nothing was pruned before, else relative to what is
 * left (`left` says what counts as left), which only the run knows.
 */
function howMany(amount: Amount, total: number, what: string, composes: boolean, left: string): string {
  if (!composes) {
    const k = 'count' in amount ? amount.count : pythonRound(amount.amount * total);
    return `prunes ${k} of its ${total} ${what}`;
  }
  return 'count' in amount ? `prunes ${amount.count} more of its ${what} ${left}` : `prunes ${formatAmount(amount)} of its ${what} ${left}`;
}

/** What a local step does to one parameter, in words. */
function localOutcome(group: PruneGroup, planned: PlannedPrune, shape: readonly number[], size: number): string {
  const spec = group.method;
  const onTop = planned.composes ? ', on top of its mask' : '';
  switch (spec.method) {
    case 'identity':
      return planned.composes ? 'keeps its mask (identity prunes nothing)' : 'starts a mask of ones (identity prunes nothing)';
    case 'l1_unstructured':
      return `${howMany(spec.amount, size, 'entries', planned.composes, 'still unpruned')}, ${rankText(group.importance, '|w|')}${onTop}`;
    case 'random_unstructured':
      return `${howMany(spec.amount, size, 'entries', planned.composes, 'still unpruned')} at random (seeded)${onTop}`;
    case 'ln_structured':
    case 'random_structured': {
      if (planned.axis === null || planned.layout === null) return 'cannot be pruned along this axis';
      const dim = torchDimOf(spec.axis, planned.layout) ?? 0;
      const where = `along TF.js axis ${planned.axis} (torch dim ${dim}: ${describeTorchDim(planned.layout, dim)})`;
      const count = howMany(spec.amount, shape[planned.axis] ?? 0, 'channels', planned.composes, 'not yet fully pruned');
      const rule = spec.method === 'ln_structured' ? `, ${rankText(group.importance, `${formatNorm(spec.n)} norm`)}` : ' at random (seeded)';
      return `${where}, ${count}${rule}${onTop}`;
    }
    case 'custom_from_mask':
      return `multiplies in the mask ${spec.mask.tensor} [${spec.mask.shape.join(', ')}] from ${spec.mask.file}${onTop}`;
    case 'semi_structured': {
      if (planned.layout === null) return 'cannot be pruned N:M (not a conv2d or dense kernel)';
      const { n, m } = spec.pattern;
      const where = `along its input axis (TF.js axis ${INPUT_AXIS[planned.layout]})`;
      const rank = rankText(group.importance, '|w|');
      return planned.composes
        ? `keeps at most ${n} of every ${m} consecutive entries ${where}, ${rank}; entries pruned before stay pruned and count${onTop}`
        : `keeps ${n} of every ${m} consecutive entries ${where}: prunes ${(size / m) * (m - n)} of its ${size} entries, ${rank}`;
    }
    case 'custom': {
      const plugin = spec.plugin;
      if (plugin === null) return 'plugin not loaded';
      const slice: Record<typeof plugin.kind, string> = {
        unstructured: 'its still-unpruned entries as one vector',
        structured: `its channels along TF.js axis ${String(planned.axis)} not yet fully pruned`,
        global: 'the whole tensor and its mask',
      };
      return `plugin "${plugin.name}" (${plugin.file}, sha256 ${plugin.sha256.slice(0, 12)}) chooses from ${slice[plugin.kind]}${onTop}`;
    }
  }
}

function globalHead(group: PruneGroup, sizes: ReadonlyMap<string, readonly number[]>): string {
  const total = group.parameters.reduce((sum, name) => sum + (sizes.get(name) ?? []).reduce((a, b) => a * b, 1), 0);
  const composes = group.parameters.some((name) => group.planned[name]?.composes === true);
  const amount = 'amount' in group.method ? group.method.amount : { count: 0 };
  const rule = group.method.method === 'l1_unstructured' ? 'smallest |value| first' : 'at random (seeded)';
  const what = composes
    ? `${formatAmount(amount)} of their entries still unpruned`
    : `${'count' in amount ? amount.count : pythonRound(amount.amount * total)} of their ${total} entries`;
  return `global ${describeMethod(group.method)} over ${group.parameters.length} parameters: one ranking, prunes ${what}, ${rule}${capText(group)}`;
}

/** The layer-collapse guard, when the step has one. */
function capText(group: PruneGroup): string {
  const cap = group.maxSparsityPerLayer;
  return cap === undefined || cap === null ? '' : `, no parameter above ${(cap * 100).toFixed(1)}% sparsity`;
}

function describePrune(task: PruneTask, sizes: ReadonlyMap<string, readonly number[]>): string[] {
  const lines: string[] = [];
  const shapeOf = (name: string) => sizes.get(name) ?? [];
  const label = (name: string) => `  ${name} [${shapeOf(name).join(', ')}]`;
  for (const group of task.groups) {
    if (task.scope === 'global') {
      lines.push(globalHead(group, sizes));
      for (const name of group.parameters) {
        lines.push(`${label(name)}${group.planned[name]?.composes === true ? ': pruned before, only its unpruned entries compete' : ''}`);
      }
      continue;
    }
    lines.push(`${describeMethod(group.method)} on each of ${group.parameters.length} parameter(s), each on its own`);
    for (const name of group.parameters) {
      const planned = group.planned[name] ?? { layout: null, axis: null, composes: false };
      const shape = shapeOf(name);
      lines.push(`${label(name)}: ${localOutcome(group, planned, shape, shape.reduce((a, b) => a * b, 1))}`);
    }
  }
  if (task.remove.length > 0) {
    lines.push("remove (torch's prune.remove): weight = original × mask, mask and history dropped");
    for (const name of task.remove) lines.push(label(name));
  }
  return lines;
}

function describeTask(task: PlanTask, sizes: ReadonlyMap<string, readonly number[]>): string[] {
  switch (task.kind) {
    case 'load-model': {
      const source = task.model.kind === 'builtin' ? `built-in ${task.model.name} (init seed ${task.seed})` : task.model.path;
      return [task.fresh ? `fresh model: ${source} rebuilt, every mask and history dropped` : source];
    }
    case 'load-data':
      return [
        task.data.kind === 'builtin'
          ? `built-in ${task.data.name}: ${task.data.trainSize} train / ${task.data.testSize} test, split by seed ${task.seed}`
          : `IDX files: ${task.data.train.images} (+ labels), ${task.data.test.images} (+ labels)`,
      ];
    case 'train': {
      const c = task.config;
      return [`${c.epochs} epoch(s), batch ${c.batchSize}, ${c.optimizer} lr ${c.learningRate}`, ...describeSchedules(task, sizes)];
    }
    case 'prune':
      return [...describePrune(task, sizes), ...describeCycleAndRewind(task)];
    case 'evaluate':
      return [`accuracy on the test split (${task.point})`];
    case 'export':
      return [
        (task.saveModel ? 'masks.safetensors and model/ (masks applied)' : 'masks.safetensors') +
          (task.compact ? '; model-compact/ (dead output channels removed, their constants folded into the next bias)' : '') +
          (task.sparse ? '; model-sparse/ (bitmask + nonzero values per weight)' : ''),
      ];
    case 'report':
      return ['report.md, report.html and record.json'];
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
